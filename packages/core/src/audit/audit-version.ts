import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** The cxarchive version that writes audit entries: @cxarchive/core's (src/ and dist/ sit two levels below it). */
export const auditVersion = (): string => {
  if (cached !== undefined) return cached;
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: unknown;
    };
    cached = typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    cached = 'unknown';
  }
  return cached;
};
