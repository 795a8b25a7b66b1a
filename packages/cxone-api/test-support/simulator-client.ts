import { Redacted, SecretScrubber } from '@cxarchive/core';
import { DEMO_CREDENTIALS, type RunningSimulator } from '@cxarchive/cxone-simulator';
import { type CxoneClient, type CxoneClientOptions, createCxoneClient } from '../src/client.js';
import type { CxoneFamily } from '../src/families.js';

/**
 * A client of a running simulator with its credentials (the demo ones unless given), the API base
 * set (no tenant discovery), and a budget hook that records every family but `cxone-auth` in
 * `taken`. Anything else of the client's options can be given.
 */
export const simulatorClient = (
  sim: RunningSimulator,
  options: Partial<Omit<CxoneClientOptions, 'issuer' | 'credentials' | 'scrubber'>> & {
    readonly credentials?: {
      readonly accessKeyId: string;
      readonly accessKeySecret: string;
      readonly clientId: string;
      readonly clientSecret: string;
    };
    /** Record `cxone-auth` too. */
    readonly countAuth?: boolean;
  } = {},
): { readonly client: CxoneClient; readonly taken: CxoneFamily[] } => {
  const taken: CxoneFamily[] = [];
  const { credentials = DEMO_CREDENTIALS, countAuth = false, ...rest } = options;
  const client = createCxoneClient({
    issuer: sim.url,
    apiBaseUrl: sim.url,
    credentials: {
      accessKeyId: Redacted.make(credentials.accessKeyId),
      accessKeySecret: Redacted.make(credentials.accessKeySecret),
      clientId: credentials.clientId,
      clientSecret: Redacted.make(credentials.clientSecret),
      clientAuth: 'basic',
    },
    requestTimeoutMs: 30_000,
    tokenRefreshSkewMs: 60_000,
    scrubber: new SecretScrubber(),
    budget: async (family) => {
      if (countAuth || family !== 'cxone-auth') taken.push(family);
    },
    ...rest,
  });
  return { client, taken };
};
