import type { BlobGetPropertiesResponse, BlobImmutabilityPolicy, ContainerClient } from '@azure/storage-blob';
import { PluginFailure, type Retention } from '@cxarchive/core';
import { immutabilityNotEnabled } from './errors.js';

/** What a put asks of the blob: an immutability policy (from the pipeline's retention), a legal hold. */
export interface Protection {
  readonly retention?: Retention;
  readonly legalHold: boolean;
}

export const asksProtection = (protection: Protection): boolean =>
  protection.retention !== undefined || protection.legalHold;

/** Blob immutability policy modes: governance → Unlocked (can be shortened or removed), compliance → Locked. */
export const policyMode = (retention: Retention): 'Unlocked' | 'Locked' =>
  retention.mode === 'compliance' ? 'Locked' : 'Unlocked';

/** The options of `commitBlockList` that ask for the protection (x-ms-immutability-policy-*, x-ms-legal-hold). */
export const commitOptions = (
  protection: Protection,
): { immutabilityPolicy?: BlobImmutabilityPolicy; legalHold?: boolean } => ({
  ...(protection.retention === undefined
    ? {}
    : {
        immutabilityPolicy: {
          expiriesOn: protection.retention.until,
          policyMode: policyMode(protection.retention),
        },
      }),
  ...(protection.legalHold ? { legalHold: true } : {}),
});

/**
 * Fails `InvalidInput` naming the container unless it has version-level immutability support
 * (the only kind that takes a policy or a legal hold per blob). Asked once, before any byte is sent.
 */
export const checkVersionLevelImmutability = async (
  container: ContainerClient,
  name: string,
  what: string,
  signal: AbortSignal,
): Promise<void> => {
  const properties = await container.getProperties({ abortSignal: signal });
  if (properties.isImmutableStorageWithVersioningEnabled !== true)
    throw new PluginFailure(immutabilityNotEnabled(what, name));
};

/** Whole seconds: the service keeps the policy's expiry to the second. */
const seconds = (time: number) => Math.floor(time / 1000);

/** What the blob's properties lack of the protection asked for: `undefined` when it is all there. */
export const missingProtection = (
  properties: Pick<
    BlobGetPropertiesResponse,
    'immutabilityPolicyExpiresOn' | 'immutabilityPolicyMode' | 'legalHold'
  >,
  protection: Protection,
): string | undefined => {
  const missing: string[] = [];
  const { retention } = protection;
  if (retention !== undefined) {
    // The SDK passes the mode on as the service spells it (`locked` or `Locked`): compare without case.
    const mode = properties.immutabilityPolicyMode;
    const until = properties.immutabilityPolicyExpiresOn;
    if (
      mode?.toLowerCase() !== policyMode(retention).toLowerCase() ||
      until === undefined ||
      seconds(until.getTime()) < seconds(retention.until.getTime())
    )
      missing.push(
        `an immutability policy ${policyMode(retention)} until ${retention.until.toISOString()} (the service reports ${mode ?? 'none'} until ${until?.toISOString() ?? 'never'})`,
      );
  }
  if (protection.legalHold && properties.legalHold !== true) missing.push('the legal hold');
  return missing.length === 0 ? undefined : missing.join('; ');
};
