import path from 'node:path';
import { TENANT_PATTERN } from '@cxarchive/core/host';
import { ISSUERS, type IssuerName, SINK_KINDS, type SinkKind } from './init-template.js';

/** A flag or answer that cannot be used: the message says which and what to give instead. */
export class InitUsageError extends Error {}

const tenantRule = new RegExp(TENANT_PATTERN);

/** Why a tenant name is refused, or undefined. */
export const tenantProblem = (tenant: string): string | undefined =>
  tenantRule.test(tenant)
    ? undefined
    : 'a tenant name is lowercase letters, digits and inner hyphens, at most 63 characters (e.g. acme)';

/** A tenant name made from a directory name (`Acme Corp` → `acme-corp`), if one can be. */
export const tenantFromDir = (dir: string): string | undefined => {
  const made = path
    .basename(path.resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return made !== '' && tenantProblem(made) === undefined ? made : undefined;
};

const isLoopbackHost = (hostname: string): boolean => {
  const host = hostname.toLowerCase();
  if (host === 'localhost' || host === '[::1]') return true;
  const octets = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return octets?.slice(1).every((o) => Number(o) <= 255) === true;
};

/**
 * An issuer: `global`, `fedramp`, or a URL under source-cxone's URL rule (https, or http only to a
 * loopback host; @cxarchive/cxone-api urls.ts), with no credentials, query or fragment. Returns
 * the URL to write, or throws InitUsageError.
 */
export const issuerUrl = (given: string): string => {
  if (given in ISSUERS) return ISSUERS[given as IssuerName].url;
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw new InitUsageError(
      `--issuer must be ${Object.keys(ISSUERS).join(', ')} or a URL such as https://cxone.niceincontact.com`,
    );
  }
  const problem =
    url.username !== '' || url.password !== ''
      ? 'must not carry credentials'
      : url.search !== '' || url.hash !== ''
        ? 'must have no query or fragment'
        : url.protocol === 'https:'
          ? undefined
          : url.protocol === 'http:'
            ? isLoopbackHost(url.hostname)
              ? undefined
              : 'must be https (plain http only to a loopback host, such as the cxone-simulator)'
            : 'must be https';
  if (problem) throw new InitUsageError(`the issuer ${problem}`);
  const text = url.href.replace(/\/$/, '');
  // Written inside ${CXONE_ISSUER:-…} in YAML: nothing that could end the reference or the value.
  if (/[\s}#'"]/.test(text)) throw new InitUsageError('the issuer URL holds characters a URL does not need');
  return text;
};

/** `since`: an ISO 8601 date or date-time, written as a UTC date-time. */
export const sinceValue = (given: string): string => {
  const ms = /^\d{4}-\d{2}-\d{2}(T.*)?$/.test(given) ? Date.parse(given) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new InitUsageError(
      '--since must be an ISO 8601 date or date-time, e.g. 2026-11-01 or 2026-11-01T00:00:00Z',
    );
  }
  return new Date(ms).toISOString().replace('.000Z', 'Z');
};

/** The default `since`: 30 days before `now`, at midnight UTC. */
export const defaultSince = (now: Date): string => {
  const day = new Date(now.getTime() - 30 * 86_400_000);
  return `${day.toISOString().slice(0, 10)}T00:00:00Z`;
};

export const isSinkKind = (value: string): value is SinkKind =>
  (SINK_KINDS as readonly string[]).includes(value);
