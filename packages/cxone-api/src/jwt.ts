/**
 * Reads the claims of a JWT (the CXone access token carries `tenantId`, `area`, `exp`, …).
 * The signature is not checked: the token came straight from the token endpoint over TLS and the
 * API verifies it on every call; the claims only tell us where the tenant lives.
 */
export const decodeJwtClaims = (token: string): Readonly<Record<string, unknown>> | undefined => {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const payload = parts[1] as string;
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(payload)) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return typeof claims === 'object' && claims !== null && !Array.isArray(claims)
      ? (claims as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
};

/** A string claim, or undefined when absent or of another type. */
export const stringClaim = (claims: Readonly<Record<string, unknown>> | undefined, name: string) => {
  const value = claims?.[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
};
