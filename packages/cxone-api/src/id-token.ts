import { createPublicKey, createVerify, type JsonWebKey, type KeyObject } from 'node:crypto';
import { err, ok, type PluginError, PluginErrors, type Result } from '@cxarchive/core';
import { decodeJwt } from './jwt.js';
import { trimBase } from './urls.js';

/**
 * Verification of the id_token the token endpoint returns (reference §1; cxone-fidelity.md §2.2
 * "JWS"): CXone signs it RS256 with a `kid` that names a key of the issuer's JWKS (`jwks_uri`), as
 * NICE's own SDK checks it (SDK-AUTH `verifyJwt`: key by `kid`, `alg: ['RS256']`). Here:
 * - `alg` is pinned to RS256 before anything else: `none`, HS256 (a public key used as an HMAC secret)
 *   or any other algorithm is refused, whatever the key set holds;
 * - the key is the JWKS entry with the header's `kid` (an RSA signing key; a key marked for another
 *   algorithm or use is not taken); an unknown `kid` makes the caller fetch the JWKS again once, as
 *   the issuer may have rotated its keys;
 * - `iss` must be the issuer, `aud` the client id, `exp` in the future and `nbf` (when present) not,
 *   each with `clockSkewMs` of tolerance (NICE's SDK allows 60 s). `iat` is not judged: OpenID Core
 *   leaves it to the client, and a machine whose clock runs behind would refuse every fresh token.
 * Failures are `Auth` errors: a token that does not verify is not trusted, and no claim or token
 * text goes into the message.
 */

export interface IdTokenExpectations {
  /** The OpenID issuer (`issuer` of the discovery document). */
  readonly issuer: string;
  /** The client id the token was issued to. */
  readonly audience: string;
  readonly nowMs: number;
  readonly clockSkewMs: number;
}

/** Finds the JWKS key for a `kid`: `refresh` asks for a fresh JWKS (the issuer rotated its keys). */
export type KeyLookup = (
  kid: string,
  refresh: boolean,
) => Promise<Result<KeyObject | undefined, PluginError>>;

export const ID_TOKEN_ALG = 'RS256';

/** RFC 7518 §3.3: RS256 keys are 2048 bits or larger. */
const MIN_RSA_BITS = 2048;

const refuse = (why: string): PluginError => PluginErrors.auth(`the id_token from the token endpoint ${why}`);

/** The RSA public key of one JWKS entry, or why it is not usable for RS256 signatures. */
export const rsaKeyFromJwk = (jwk: Readonly<Record<string, unknown>>): KeyObject | string => {
  if (jwk.kty !== 'RSA') return `is not an RSA key (kty ${String(jwk.kty)})`;
  if (jwk.alg !== undefined && jwk.alg !== ID_TOKEN_ALG)
    return `is for another algorithm (${String(jwk.alg)})`;
  if (jwk.use !== undefined && jwk.use !== 'sig') return `is not a signing key (use ${String(jwk.use)})`;
  if (typeof jwk.n !== 'string' || typeof jwk.e !== 'string') return 'lacks its modulus or exponent';
  let key: KeyObject;
  try {
    key = createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e } as JsonWebKey, format: 'jwk' });
  } catch {
    return 'is not a valid RSA key';
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  return bits >= MIN_RSA_BITS ? key : `is too short for RS256 (${bits} bits, at least ${MIN_RSA_BITS})`;
};

const audienceMatches = (aud: unknown, expected: string): boolean =>
  aud === expected || (Array.isArray(aud) && aud.includes(expected));

const seconds = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value * 1000 : undefined;

/** Verifies an id_token; the claims when every check passes. */
export const verifyIdToken = async (
  token: string,
  expect: IdTokenExpectations,
  lookup: KeyLookup,
): Promise<Result<Readonly<Record<string, unknown>>, PluginError>> => {
  const jwt = decodeJwt(token);
  if (jwt === undefined) return err(refuse('is not a signed JWT'));
  const { header, claims } = jwt;
  if (header.alg !== ID_TOKEN_ALG) {
    return err(refuse(`is signed with ${JSON.stringify(String(header.alg))}, not ${ID_TOKEN_ALG}`));
  }
  if (typeof header.kid !== 'string' || header.kid === '') return err(refuse('names no signing key (kid)'));
  let key = await lookup(header.kid, false);
  if (key.isOk() && key.value === undefined) key = await lookup(header.kid, true);
  if (key.isErr()) return err(key.error);
  if (key.value === undefined) {
    return err(
      refuse(`is signed with a key the issuer's JWKS does not list (kid ${JSON.stringify(header.kid)})`),
    );
  }
  const valid = createVerify('RSA-SHA256').update(jwt.signingInput).verify(key.value, jwt.signature);
  if (!valid) return err(refuse('has an invalid signature'));
  if (typeof claims.iss !== 'string' || trimBase(claims.iss) !== trimBase(expect.issuer)) {
    return err(refuse('was issued by another issuer'));
  }
  if (!audienceMatches(claims.aud, expect.audience)) return err(refuse('was issued to another client (aud)'));
  const exp = seconds(claims.exp);
  if (exp === undefined) return err(refuse('has no expiry (exp)'));
  if (expect.nowMs >= exp + expect.clockSkewMs) {
    return err(refuse("has expired (check this machine's clock if it was just issued)"));
  }
  const nbf = seconds(claims.nbf);
  if (claims.nbf !== undefined && (nbf === undefined || nbf > expect.nowMs + expect.clockSkewMs)) {
    return err(refuse("is not valid yet (nbf; check this machine's clock)"));
  }
  return ok(claims);
};
