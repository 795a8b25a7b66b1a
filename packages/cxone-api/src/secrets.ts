import { Redacted } from '@cxarchive/core';

/** What the library needs of core's `SecretScrubber` (any object with these two methods will do). */
export interface Scrubber {
  add(value: string): void;
  scrub(text: string): string;
}

export type ClientAuth = 'basic' | 'post';

/** The credentials of the password grant (reference §1). */
export interface CxoneCredentials {
  /** Access key id of the API user: the password-grant `username`. */
  readonly accessKeyId: Redacted<string>;
  /** Access key secret of the API user: the password-grant `password`. */
  readonly accessKeySecret: Redacted<string>;
  /** Client id of the back-end application (not a secret). */
  readonly clientId: string;
  readonly clientSecret: Redacted<string>;
  /** HTTP Basic (`client_secret_basic`) or form fields (`client_secret_post`). */
  readonly clientAuth: ClientAuth;
}

/** How `application/x-www-form-urlencoded` writes a value (`!` → `%21`, space → `+`). */
export const formEncode = (value: string): string => new URLSearchParams({ v: value }).toString().slice(2);

/** The HTTP Basic credentials of the client: `base64(urlencode(id):urlencode(secret))` (reference §1). */
export const basicCredentials = (clientId: string, clientSecret: string): string =>
  Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`, 'utf8').toString(
    'base64',
  );

/**
 * Registers every form in which the credentials leave the process, so an error body that echoes
 * the request cannot carry one back into a message: each secret raw, URL-encoded and form-encoded,
 * and the client pair as the Basic header sends it (and as plain `id:secret` in base64).
 */
export const registerCredentials = (scrubber: Scrubber, credentials: CxoneCredentials): void => {
  const secrets = [credentials.accessKeyId, credentials.accessKeySecret, credentials.clientSecret].map((s) =>
    Redacted.value(s),
  );
  for (const secret of secrets) {
    scrubber.add(secret);
    scrubber.add(encodeURIComponent(secret));
    scrubber.add(formEncode(secret));
  }
  const clientSecret = Redacted.value(credentials.clientSecret);
  scrubber.add(basicCredentials(credentials.clientId, clientSecret));
  scrubber.add(Buffer.from(`${credentials.clientId}:${clientSecret}`, 'utf8').toString('base64'));
};

/**
 * Anything that looks like a JWT, whole or cut short (`eyJ` is the base64url of `{"`): bearer
 * tokens the scrubber has not seen (another process's, or one the server shortened) never appear.
 */
const JWT_LIKE = /eyJ[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*){0,2}/g;

/** Registered secrets first (whole tokens), then any remaining JWT-like text. */
export const scrubText = (scrubber: Scrubber | undefined, text: string): string =>
  (scrubber === undefined ? text : scrubber.scrub(text)).replace(JWT_LIKE, '[redacted]');
