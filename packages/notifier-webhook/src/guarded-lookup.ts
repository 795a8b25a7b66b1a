import { promises as dns, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import type { AddressPolicy } from './address-policy.js';

/** Resolves a host name to every address it has (the system resolver by default; tests inject one). */
export type Resolver = (hostname: string, family: 0 | 4 | 6) => Promise<readonly LookupAddress[]>;

export const systemResolver: Resolver = (hostname, family) =>
  dns.lookup(hostname, { all: true, family, order: 'verbatim' });

/** The callback of `dns.lookup`, in its one-address and its `all` forms. */
type LookupCallback = (
  error: Error | null,
  address?: string | readonly { address: string; family: number }[],
  family?: number,
) => void;

/** Raised by the guarded lookup when an answer is refused: never retried. */
export class RefusedAddressError extends Error {
  readonly code = 'ERR_CXARCHIVE_REFUSED_ADDRESS';
  constructor(message: string) {
    super(message);
    this.name = 'RefusedAddressError';
  }
}

/**
 * The `lookup` an agent connects with: it resolves the name *for this connection* and refuses the
 * connection when any answer is refused by the policy. The check and the connect use the same
 * answer, so a name that resolves to a public address when checked and to a private one when
 * connected (DNS rebinding) cannot pass: there is no separate check.
 */
export const guardedLookup = (resolver: Resolver, policy: AddressPolicy): LookupFunction =>
  ((hostname: string, options: { family?: number | string; all?: boolean }, callback: LookupCallback) => {
    const family =
      options?.family === 4 || options?.family === 'IPv4'
        ? 4
        : options?.family === 6 || options?.family === 'IPv6'
          ? 6
          : 0;
    resolver(hostname, family).then(
      (answers) => {
        if (answers.length === 0)
          return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }));
        for (const answer of answers) {
          const refusal = policy.refusal(answer.address);
          if (refusal) return callback(new RefusedAddressError(`${hostname} resolved to ${refusal}`));
        }
        if (options?.all)
          return callback(
            null,
            answers.map((a) => ({ address: a.address, family: a.family })),
          );
        return callback(null, answers[0]!.address, answers[0]!.family);
      },
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
    );
  }) as unknown as LookupFunction;
