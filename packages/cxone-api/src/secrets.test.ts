import { Redacted, SecretScrubber } from '@cxarchive/core';
import { describe, expect, it } from 'vitest';
import { basicCredentials, formEncode, registerCredentials, scrubText } from './secrets.js';

const credentials = {
  accessKeyId: Redacted.make('AKID/with=padding'),
  accessKeySecret: Redacted.make("s3cret!(key)*'~ end"),
  clientId: 'client id',
  clientSecret: Redacted.make('client!secret=='),
  clientAuth: 'basic' as const,
};

const registered = () => {
  const scrubber = new SecretScrubber();
  registerCredentials(scrubber, credentials);
  return scrubber;
};

describe('registerCredentials', () => {
  it('scrubs each secret raw, URL-encoded and form-encoded', () => {
    const scrubber = registered();
    for (const secret of ['AKID/with=padding', "s3cret!(key)*'~ end", 'client!secret==']) {
      for (const form of [secret, encodeURIComponent(secret), formEncode(secret)]) {
        expect(scrubber.scrub(`echo: ${form} :end`)).toBe('echo: [redacted] :end');
      }
    }
    // The form encoding differs from encodeURIComponent for these characters:
    expect(formEncode("s3cret!(key)*'~ end")).toBe('s3cret%21%28key%29*%27%7E+end');
  });

  it('scrubs the Basic pair as sent, and the plain pair in base64', () => {
    const scrubber = registered();
    const sent = basicCredentials('client id', 'client!secret==');
    expect(Buffer.from(sent, 'base64').toString()).toBe('client%20id:client!secret%3D%3D');
    expect(scrubber.scrub(`Authorization: Basic ${sent}`)).toBe('Authorization: Basic [redacted]');
    const plain = Buffer.from('client id:client!secret==').toString('base64');
    expect(scrubber.scrub(`Basic ${plain}`)).toBe('Basic [redacted]');
  });
});

describe('scrubText', () => {
  it('removes JWT-like text the scrubber never saw, whole or cut short', () => {
    const jwt = `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from('{"tenantId":"t"}').toString('base64url')}.c2ln`;
    expect(scrubText(undefined, `bad token ${jwt} here`)).toBe('bad token [redacted] here');
    expect(scrubText(undefined, `bad token ${jwt.slice(0, 25)}`)).toBe('bad token [redacted]');
    expect(scrubText(undefined, 'eyJ alone is fine; so is a normal sentence')).toBe(
      'eyJ alone is fine; so is a normal sentence',
    );
  });
});
