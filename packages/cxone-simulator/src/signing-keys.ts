import { createHash, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { SimContext } from './context.js';

/** One RSA key pair the simulator signs tokens with, as its JWKS publishes it. */
export interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/** A JSON Web Key as `GET /auth/jwks` lists it (`{keys:[{kty,kid,n,e,…}]}`, reference GEN-AUTH). */
export interface PublicJwk {
  readonly kty: 'RSA';
  readonly use: 'sig';
  readonly alg: 'RS256';
  readonly kid: string;
  readonly n: string;
  readonly e: string;
}

const generate = promisify(generateKeyPair);

/** The RFC 7638 thumbprint of an RSA public key, base64url: a stable, unique `kid`. */
export function thumbprint(publicKey: KeyObject): string {
  const { n, e } = publicKey.export({ format: 'jwk' });
  return createHash('sha256')
    .update(JSON.stringify({ e, kty: 'RSA', n }))
    .digest('base64url');
}

export async function generateSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generate('rsa', { modulusLength: 2048 });
  return { kid: thumbprint(publicKey), privateKey, publicKey };
}

export function publicJwk(key: SigningKey): PublicJwk {
  const { n, e } = key.publicKey.export({ format: 'jwk' });
  return { kty: 'RSA', use: 'sig', alg: 'RS256', kid: key.kid, n: n as string, e: e as string };
}

// One key per running simulator, drawn on first use (a 2048-bit key takes a moment, and most
// simulators in tests never issue a token before they serve one), so a restarted simulator
// rejects the tokens of the last one.
const pending = new WeakMap<SimContext, Promise<SigningKey>>();
const ready = new WeakMap<SimContext, SigningKey>();

/** The simulator's signing key, generated on the first call. */
export function signingKey(ctx: SimContext): Promise<SigningKey> {
  let key = pending.get(ctx);
  if (key === undefined) {
    key = generateSigningKey().then((generated) => {
      ready.set(ctx, generated);
      return generated;
    });
    pending.set(ctx, key);
  }
  return key;
}

/** The public keys tokens may be verified with: none before the first token was signed. */
export function verificationKeys(ctx: SimContext): readonly KeyObject[] {
  const key = ready.get(ctx);
  return key === undefined ? [] : [key.publicKey];
}
