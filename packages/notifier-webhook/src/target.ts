import { isIP } from 'node:net';
import { type AddressPolicy, categoryOf } from './address-policy.js';

/** Where messages go, checked before any request. */
export interface Target {
  readonly url: URL;
  /** `https://host:port`: what messages name (never the path or query, which may hold a token). */
  readonly origin: string;
  /** A plain-http url to a loopback host, allowed by allowInsecureLoopback. */
  readonly insecureLoopback: boolean;
}

const LOOPBACK_NAMES = new Set(['localhost', 'localhost.']);

const bareHost = (url: URL): string => url.hostname.replace(/^\[|\]$/g, '');

/**
 * Checks the url's scheme and, for an IP literal, its address (a literal is never looked up, so
 * the connect-time check does not see it). Returns the target, or why the url is refused.
 */
export const parseTarget = (
  text: string,
  allowInsecureLoopback: boolean,
): { target: Target } | { problem: string } => {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { problem: 'url is not a valid URL' };
  }
  const origin = `${url.protocol}//${url.host}`;
  if (url.username || url.password)
    return { problem: `url (${origin}) must not carry credentials; the messages are signed instead` };
  if (url.protocol === 'https:') return { target: { url, origin, insecureLoopback: false } };
  if (url.protocol !== 'http:')
    return { problem: `url (${origin}) must be https (the scheme ${url.protocol} is not supported)` };
  const host = bareHost(url).toLowerCase();
  const loopback = LOOPBACK_NAMES.has(host) || (isIP(host) !== 0 && categoryOf(host) === 'loopback');
  if (!loopback)
    return {
      problem: `url (${origin}) must be https: plain http is allowed only to a loopback host (127.0.0.1, [::1], localhost) with allowInsecureLoopback: true`,
    };
  if (!allowInsecureLoopback)
    return {
      problem: `url (${origin}) is plain http: set allowInsecureLoopback: true to send to a receiver on this machine, or use https`,
    };
  return { target: { url, origin, insecureLoopback: true } };
};

/** For an IP-literal host: why the policy refuses it, if it does (a name is checked at connect time). */
export const literalRefusal = (target: Target, policy: AddressPolicy): string | undefined => {
  const host = bareHost(target.url);
  return isIP(host) === 0 ? undefined : policy.refusal(host);
};
