/**
 * URL rules. Credentials and bearer tokens only travel over TLS: every URL the plugin talks to
 * (issuer, API base, token endpoint, media URLs) must be https, or http to a loopback host
 * (the simulator, a local proxy).
 */

const isLoopbackHost = (hostname: string): boolean => {
  const host = hostname.toLowerCase();
  if (host === 'localhost' || host === '[::1]') return true;
  const octets = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return octets?.slice(1).every((o) => Number(o) <= 255) === true;
};

/** Why `raw` may not be used, or undefined when it is an allowed URL. */
export const urlProblem = (raw: string): string | undefined => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.username !== '' || url.password !== '') return 'must not carry credentials';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:') {
    return isLoopbackHost(url.hostname) ? undefined : 'must be https (plain http only to a loopback host)';
  }
  return `has the unsupported scheme "${url.protocol.replace(/:$/, '')}" (use https)`;
};

export const isAllowedUrl = (raw: string): boolean => urlProblem(raw) === undefined;

/**
 * A URL fit for a message: origin and path only. Query strings (signatures, tokens, tenant ids)
 * and fragments never appear in errors or logs.
 */
export const redactUrl = (raw: string): string => {
  try {
    const url = new URL(raw);
    return `${url.origin}${url.pathname}`;
  } catch {
    return raw.replace(/[?#].*$/s, '');
  }
};

/** A base URL without a trailing slash, so `${base}/path` joins cleanly. */
export const trimBase = (raw: string): string => raw.replace(/\/+$/, '');

export const sameOrigin = (a: string, b: string): boolean => {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
};

/** A query string with `%20` for spaces (`orderBy=lastUpdateTime%20asc`), never `+`. */
export const queryString = (params: Readonly<Record<string, string | number | boolean>>): string =>
  Object.entries(params)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
