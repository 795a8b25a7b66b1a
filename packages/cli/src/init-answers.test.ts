import { describe, expect, it } from 'vitest';
import {
  defaultSince,
  InitUsageError,
  issuerUrl,
  sinceValue,
  tenantFromDir,
  tenantProblem,
} from './init-answers.js';
import { renderEnvExample, renderGitignore, renderPipeline } from './init-template.js';

describe('init answers', () => {
  it('takes a tenant name from a directory name when one can be made', () => {
    expect(tenantFromDir('/srv/Acme Corp')).toBe('acme-corp');
    expect(tenantFromDir('/srv/--acme__eu--')).toBe('acme-eu');
    expect(tenantFromDir(`/srv/${'a'.repeat(70)}`)).toBe('a'.repeat(63));
    expect(tenantFromDir(`/srv/${'a'.repeat(62)}-b`)).toBe('a'.repeat(62));
    expect(tenantFromDir('/srv/___')).toBeUndefined();
    expect(tenantFromDir('/srv/Ünïcode')).toBe('n-code');
    expect(tenantProblem('acme')).toBeUndefined();
    expect(tenantProblem('-acme')).toContain('lowercase letters');
  });

  it('writes the known issuers, and a URL only under the source URL rule', () => {
    expect(issuerUrl('global')).toBe('https://cxone.niceincontact.com');
    expect(issuerUrl('fedramp')).toBe('https://cxone-gov.niceincontact.com');
    expect(issuerUrl('https://cxone.dev.niceincontact.com/')).toBe('https://cxone.dev.niceincontact.com');
    expect(issuerUrl('http://localhost:8787')).toBe('http://localhost:8787');
    expect(issuerUrl('http://127.0.0.2:1/')).toBe('http://127.0.0.2:1');
    // A brace cannot end the ${CXONE_ISSUER:-…} reference it is written in: the URL encodes it.
    expect(issuerUrl('https://cxone.niceincontact.com/}x')).toBe('https://cxone.niceincontact.com/%7Dx');
    for (const [given, problem] of [
      ['http://10.0.0.1', 'must be https'],
      ['ftp://cxone.niceincontact.com', 'must be https'],
      ['https://user:pw@cxone.niceincontact.com', 'must not carry credentials'],
      ['https://cxone.niceincontact.com/?tenant=x', 'must have no query or fragment'],
      ['https://cxone.niceincontact.com/#x', 'must have no query or fragment'],
      ['https://cxone.niceincontact.com/#', 'characters a URL does not need'],
      ['cxone', '--issuer must be global, fedramp or a URL'],
    ] as const) {
      expect(() => issuerUrl(given)).toThrow(InitUsageError);
      expect(() => issuerUrl(given)).toThrow(problem);
    }
  });

  it('reads --since as a UTC date-time, and defaults to 30 days before midnight', () => {
    expect(sinceValue('2026-10-01')).toBe('2026-10-01T00:00:00Z');
    expect(sinceValue('2026-10-01T02:00:00+02:00')).toBe('2026-10-01T00:00:00Z');
    expect(sinceValue('2026-10-01T00:00:00.250Z')).toBe('2026-10-01T00:00:00.250Z');
    expect(() => sinceValue('10/01/2026')).toThrow('--since must be an ISO 8601 date');
    expect(() => sinceValue('2026-13-45')).toThrow(InitUsageError);
    expect(defaultSince(new Date('2026-12-01T13:45:00Z'))).toBe('2026-11-01T00:00:00Z');
  });
});

describe('init templates', () => {
  const answers = {
    tenant: 'acme',
    sink: 's3',
    issuer: 'https://cxone.niceincontact.com',
    since: '2026-10-01T00:00:00Z',
  } as const;

  it('lists each variable the pipeline reads once, in order, never one named only in a comment', () => {
    const pipeline = renderPipeline(answers);
    const env = renderEnvExample(pipeline);
    const names = env
      .split('\n')
      .filter((l) => l.endsWith('='))
      .map((l) => l.slice(0, -1));
    expect(names).toEqual([
      'CXONE_ISSUER',
      'CXONE_ACCESS_KEY_ID',
      'CXONE_ACCESS_KEY_SECRET',
      'CXONE_CLIENT_ID',
      'CXONE_CLIENT_SECRET',
      'ARCHIVE_BUCKET',
      'AWS_REGION',
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
    ]);
    expect(env).toContain(
      '# optional: unset or empty means https://cxone.niceincontact.com\nCXONE_ISSUER=\n',
    );
    expect(renderEnvExample('# ${ONLY_IN_A_COMMENT}\nkey: ${A} ${A:-x} ${B:-y}\n')).toContain(
      'A=\n# optional: unset or empty means y\nB=\n',
    );
    expect(renderEnvExample('# ${ONLY_IN_A_COMMENT}\n')).not.toContain('ONLY_IN_A_COMMENT=');
  });

  it('ignores the archive directory only for the fs sink', () => {
    expect(renderGitignore({ ...answers, sink: 'fs' }).split('\n')).toContain('archive/');
    expect(renderGitignore(answers).split('\n')).not.toContain('archive/');
    expect(renderGitignore(answers).split('\n')).toEqual(
      expect.arrayContaining(['keys/', '.cxarchive/', '.env']),
    );
  });
});
