import { describe, expect, it } from 'vitest';
import { isAllowedUrl, queryString, redactUrl, sameOrigin, urlProblem } from './urls.js';

describe('the URL scheme rule', () => {
  it.each([
    'https://cxone.niceincontact.com',
    'https://api-na1.niceincontact.com/',
    'http://127.0.0.1:8080',
    'http://127.255.0.9',
    'http://localhost:3000/x',
    'http://[::1]:9000',
  ])('allows %s', (url) => {
    expect(urlProblem(url)).toBeUndefined();
  });

  it.each([
    ['http://cxone.niceincontact.com', 'https'],
    ['http://10.0.0.1', 'https'],
    ['http://128.0.0.1', 'https'],
    ['http://127.0.0.1.nip.io', 'https'],
    ['http://localhost.example.com', 'https'],
    ['ftp://127.0.0.1', 'scheme'],
    ['file:///etc/passwd', 'scheme'],
    ['not a url', 'absolute'],
    ['https://user:pw@cxone.niceincontact.com', 'credentials'],
  ])('refuses %s', (url, why) => {
    expect(urlProblem(url)).toContain(why);
    expect(isAllowedUrl(url)).toBe(false);
  });
});

describe('redactUrl', () => {
  it('drops query strings and fragments', () => {
    expect(redactUrl('https://media.example.com/f/1.wav?expires=1&signature=abc#t')).toBe(
      'https://media.example.com/f/1.wav',
    );
    expect(redactUrl('/relative?token=secret')).toBe('/relative');
  });
});

describe('helpers', () => {
  it('compares origins', () => {
    expect(sameOrigin('http://127.0.0.1:1/a?x', 'http://127.0.0.1:1')).toBe(true);
    expect(sameOrigin('http://127.0.0.1:2/a', 'http://127.0.0.1:1')).toBe(false);
    expect(sameOrigin('https://evil.example/a', 'https://api-na1.niceincontact.com')).toBe(false);
  });

  it('encodes spaces as %20', () => {
    expect(queryString({ orderBy: 'lastUpdateTime asc', skip: 0, flag: true })).toBe(
      'orderBy=lastUpdateTime%20asc&skip=0&flag=true',
    );
  });
});
