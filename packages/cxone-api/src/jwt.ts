/**
 * Reads a JWT without checking it. CXone's access token carries `tenantId`, `area`, `exp`, …; it is
 * not verified here: it came straight from the token endpoint over TLS and the API checks it on every
 * call (its `iss` is an auth host, not the OpenID issuer, in NICE's own sample). The id_token is
 * verified against the issuer's JWKS in id-token.ts.
 */

const B64URL = /^[A-Za-z0-9_-]+={0,2}$/;

const decodeObject = (part: string): Record<string, unknown> | undefined => {
  if (!B64URL.test(part)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
};

/** A compact JWS split into its parts: what a verifier needs. */
export interface DecodedJwt {
  readonly header: Readonly<Record<string, unknown>>;
  readonly claims: Readonly<Record<string, unknown>>;
  /** `header.payload` as sent: the bytes the signature covers. */
  readonly signingInput: string;
  readonly signature: Buffer;
}

/** Splits and decodes a compact JWS, or undefined when it is not one (3 parts, JSON objects). */
export const decodeJwt = (token: string): DecodedJwt | undefined => {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = decodeObject(headerPart);
  const claims = decodeObject(payloadPart);
  if (header === undefined || claims === undefined) return undefined;
  if (signaturePart !== '' && !B64URL.test(signaturePart)) return undefined;
  return {
    header,
    claims,
    signingInput: `${headerPart}.${payloadPart}`,
    signature: Buffer.from(signaturePart, 'base64url'),
  };
};

/** The claims of a JWT, unchecked, or undefined when it is not a JWT. */
export const decodeJwtClaims = (token: string): Readonly<Record<string, unknown>> | undefined => {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  return decodeObject(parts[1] as string);
};

/** A string claim, or undefined when absent or of another type. */
export const stringClaim = (claims: Readonly<Record<string, unknown>> | undefined, name: string) => {
  const value = claims?.[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
};
