import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  err,
  ok,
  type PluginError,
  PluginErrors,
  parseDuration,
  Redacted,
  type Result,
} from '@cxarchive/core';
import { createAddressPolicy, parseCidr } from './address-policy.js';
import type { DeliveryPolicy } from './deliver.js';
import { DEFAULTS, type WebhookNotifierOptions } from './schema.js';
import { secretProblem } from './signing.js';
import { literalRefusal, parseTarget, type Target } from './target.js';

/** The options the notifier runs with: defaults applied, durations in milliseconds, the url checked. */
export interface ResolvedWebhookOptions {
  readonly target: Target;
  /** Still wrapped: unwrapped only where a signature is made. */
  readonly secrets: readonly Redacted<string>[];
  readonly on: readonly string[];
  readonly batchSize: number;
  readonly batchWaitMs: number;
  readonly delivery: DeliveryPolicy;
  readonly allowPrivateNetworks: boolean;
  readonly allowedNetworks: readonly string[];
  /** PEM text of extra trusted CAs (from caFile). */
  readonly ca?: string;
}

/** Options as tests may pass them: secrets as plain strings are wrapped here. */
export type WebhookOptionsInput = Omit<WebhookNotifierOptions, 'secret' | 'secrets'> & {
  readonly secret?: Redacted<string> | string;
  readonly secrets?: readonly (Redacted<string> | string)[];
};

const wrap = (s: Redacted<string> | string): Redacted<string> =>
  typeof s === 'string' ? Redacted.make(s) : s;

const duration = (value: string, option: string): Result<number, PluginError> => {
  try {
    return ok(parseDuration(value));
  } catch (error) {
    return err(PluginErrors.invalidInput(`${option}: ${(error as Error).message}`, option));
  }
};

/** Checks what the schema cannot (the url's address, the secrets' decoded length, CIDRs) and converts units. */
export const resolveOptions = (
  options: WebhookOptionsInput,
  baseDir: string,
): Result<ResolvedWebhookOptions, PluginError> => {
  const parsed = parseTarget(options.url, options.allowInsecureLoopback ?? DEFAULTS.allowInsecureLoopback);
  if ('problem' in parsed) return err(PluginErrors.invalidInput(parsed.problem, 'url'));
  const { target } = parsed;

  if (options.secret !== undefined && options.secrets !== undefined)
    return err(
      PluginErrors.invalidInput('give either secret or secrets (for a rotation), not both', 'secrets'),
    );
  const secrets = (options.secrets ?? (options.secret !== undefined ? [options.secret] : [])).map(wrap);
  if (secrets.length === 0)
    return err(
      PluginErrors.invalidInput(
        'the webhook notifier needs a signing secret: set secret (or secrets) to an ${ENV} reference',
        'secret',
      ),
    );
  for (const [i, secret] of secrets.entries()) {
    const problem = secretProblem(Redacted.value(secret));
    const where = options.secrets !== undefined ? `secrets[${i}]` : 'secret';
    if (problem) return err(PluginErrors.invalidInput(`${where} ${problem}`, where));
  }

  const allowedNetworks = options.allowedNetworks ?? [];
  for (const [i, cidr] of allowedNetworks.entries()) {
    try {
      parseCidr(cidr);
    } catch (error) {
      return err(
        PluginErrors.invalidInput(
          `allowedNetworks[${i}]: ${(error as Error).message}`,
          `allowedNetworks[${i}]`,
        ),
      );
    }
  }
  const allowPrivateNetworks = options.allowPrivateNetworks ?? DEFAULTS.allowPrivateNetworks;
  const refusal = literalRefusal(
    target,
    createAddressPolicy({ allowPrivateNetworks, allowedNetworks, loopbackOnly: target.insecureLoopback }),
  );
  if (refusal) return err(PluginErrors.invalidInput(`url (${target.origin}) points at ${refusal}`, 'url'));

  const durations = {
    batchWait: duration(options.batchWait ?? DEFAULTS.batchWait, 'batchWait'),
    timeout: duration(options.timeout ?? DEFAULTS.timeout, 'timeout'),
    giveUpAfter: duration(options.giveUpAfter ?? DEFAULTS.giveUpAfter, 'giveUpAfter'),
    retryDelay: duration(options.retryDelay ?? DEFAULTS.retryDelay, 'retryDelay'),
    retryMaxDelay: duration(options.retryMaxDelay ?? DEFAULTS.retryMaxDelay, 'retryMaxDelay'),
  };
  for (const d of Object.values(durations)) if (d.isErr()) return err(d.error);
  const ms = (r: Result<number, PluginError>) => r._unsafeUnwrap();
  if (ms(durations.timeout) <= 0) return err(PluginErrors.invalidInput('timeout must be above 0', 'timeout'));

  let ca: string | undefined;
  if (options.caFile !== undefined) {
    const file = path.resolve(baseDir, options.caFile);
    try {
      ca = readFileSync(file, 'utf8');
    } catch (error) {
      return err(
        PluginErrors.invalidInput(
          `caFile ${options.caFile} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
          'caFile',
        ),
      );
    }
    if (!ca.includes('-----BEGIN CERTIFICATE-----'))
      return err(PluginErrors.invalidInput(`caFile ${options.caFile} holds no PEM certificate`, 'caFile'));
  }

  return ok({
    target,
    secrets,
    on: options.on ?? [...DEFAULTS.on],
    batchSize: options.batchSize ?? DEFAULTS.batchSize,
    batchWaitMs: ms(durations.batchWait),
    delivery: {
      timeoutMs: ms(durations.timeout),
      giveUpAfterMs: ms(durations.giveUpAfter),
      retryDelayMs: ms(durations.retryDelay),
      retryMaxDelayMs: ms(durations.retryMaxDelay),
    },
    allowPrivateNetworks,
    allowedNetworks,
    ...(ca !== undefined ? { ca } : {}),
  });
};
