import { RestError } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import {
  azureErrorCode,
  cancelled,
  immutabilityNotEnabled,
  mapAzureError,
  sizeMismatch,
  unprotected,
  verificationFailed,
} from './errors.js';

const ctx = { what: 'writing t/a.cxar', container: 'archive' };

/** A RestError as the SDK builds it: status, code (body) or details.errorCode (HEAD), headers. */
const rest = (
  statusCode: number | undefined,
  code?: string,
  { head = false, headers = {} }: { head?: boolean; headers?: Record<string, string> } = {},
): RestError => {
  const response = {
    status: statusCode ?? 0,
    headers: { get: (name: string) => headers[name.toLowerCase()] },
  } as unknown as ConstructorParameters<typeof RestError>[1] extends infer O
    ? O extends { response?: infer R }
      ? R
      : never
    : never;
  const error = new RestError('service said no', {
    ...(statusCode === undefined ? {} : { statusCode }),
    ...(head || code === undefined ? {} : { code }),
    response,
  });
  if (head && code !== undefined) error.details = { errorCode: code };
  return error;
};

describe('mapAzureError', () => {
  const table: [string, RestError | Error, string][] = [
    ['404 ContainerNotFound', rest(404, 'ContainerNotFound'), 'InvalidInput'],
    [
      '404 ContainerNotFound on a HEAD (details.errorCode)',
      rest(404, 'ContainerNotFound', { head: true }),
      'InvalidInput',
    ],
    ['409 ContainerBeingDeleted', rest(409, 'ContainerBeingDeleted'), 'InvalidInput'],
    ['404 BlobNotFound', rest(404, 'BlobNotFound'), 'NotFound'],
    ['404 without a code (HEAD)', rest(404), 'NotFound'],
    ['409 BlobAlreadyExists', rest(409, 'BlobAlreadyExists'), 'AlreadyExists'],
    ['412 ConditionNotMet', rest(412, 'ConditionNotMet'), 'AlreadyExists'],
    ['409 BlobArchived', rest(409, 'BlobArchived'), 'Permanent'],
    ['409 another conflict', rest(409, 'LeaseIdMissing'), 'Permanent'],
    [
      '409 BlobImmutableDueToPolicy (an existing locked blob)',
      rest(409, 'BlobImmutableDueToPolicy'),
      'Permanent',
    ],
    ['403 AuthenticationFailed', rest(403, 'AuthenticationFailed'), 'Auth'],
    ['403 AuthorizationPermissionMismatch', rest(403, 'AuthorizationPermissionMismatch'), 'Auth'],
    ['401', rest(401), 'Auth'],
    ['429', rest(429), 'Throttled'],
    ['503 ServerBusy', rest(503, 'ServerBusy'), 'Throttled'],
    ['503 without a code', rest(503), 'Throttled'],
    ['500 InternalError', rest(500, 'InternalError'), 'Transient'],
    ['502', rest(502), 'Transient'],
    ['408', rest(408), 'Transient'],
    ['400 Md5Mismatch', rest(400, 'Md5Mismatch'), 'Transient'],
    ['400 InvalidBlockList', rest(400, 'InvalidBlockList'), 'InvalidInput'],
    ['REQUEST_SEND_ERROR (no response)', rest(undefined, 'REQUEST_SEND_ERROR'), 'Transient'],
    ['ECONNREFUSED', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'Transient'],
    [
      'ECONNRESET as a cause',
      Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } }),
      'Transient',
    ],
    ['anything else', new RangeError('odd'), 'Permanent'],
  ];
  it.each(table)('%s → %s', (_label, error, tag) => {
    expect(mapAzureError(error, ctx)._tag).toBe(tag);
  });

  it('names the container when it is missing, with the option that would create it', () => {
    const error = mapAzureError(rest(404, 'ContainerNotFound'), ctx);
    expect(error).toMatchObject({ _tag: 'InvalidInput', path: 'container' });
    expect(error.message).toContain('"archive"');
    expect(error.message).toContain('createContainer');
  });

  it('a 4xx refusing immutability (a container without version-level immutability) → InvalidInput naming the container', () => {
    for (const error of [
      rest(409, 'ImmutableStorageWithVersioningNotEnabled'),
      rest(400, 'VersionLevelWormNotEnabled'),
      rest(409, 'ImmutableStorageWithVersioningNotEnabled', { head: true }),
    ]) {
      const mapped = mapAzureError(error, ctx);
      expect(mapped).toMatchObject({ _tag: 'InvalidInput', path: 'container' });
      expect(mapped.message).toContain('"archive"');
      expect(mapped.message).toContain('version-level immutability');
    }
    // The blob-level codes are about an existing blob, and a 5xx stays Transient.
    expect(mapAzureError(rest(409, 'BlobImmutableDueToLegalHold'), ctx)._tag).toBe('Permanent');
    expect(mapAzureError(rest(500, 'ImmutabilityPolicyInternalError'), ctx)._tag).toBe('Transient');
  });

  it('Throttled carries Retry-After (seconds or an HTTP date) as retryAfterMs', () => {
    expect(mapAzureError(rest(503, 'ServerBusy', { headers: { 'retry-after': '7' } }), ctx)).toMatchObject({
      _tag: 'Throttled',
      retryAfterMs: 7000,
    });
    expect(mapAzureError(rest(429, undefined, { headers: { 'retry-after': '2' } }), ctx)).toMatchObject({
      retryAfterMs: 2000,
    });
    expect(mapAzureError(rest(503, 'ServerBusy'), ctx)).not.toHaveProperty('retryAfterMs');
  });

  it('says what was done, the status and the code, and nothing of the request', () => {
    const error = mapAzureError(rest(500, 'InternalError'), ctx);
    expect(error.message).toBe('azure sink: writing t/a.cxar: server error (500 InternalError)');
  });

  it('reads the code of a HEAD from details.errorCode', () => {
    expect(azureErrorCode(rest(404, 'BlobNotFound', { head: true }))).toBe('BlobNotFound');
    expect(azureErrorCode(new Error('x'))).toBeUndefined();
  });
});

describe('sink errors', () => {
  it('cancelled is Transient', () => {
    expect(cancelled('writing k')).toEqual({
      _tag: 'Transient',
      message: 'azure sink: writing k was cancelled',
    });
  });
  it('immutabilityNotEnabled is InvalidInput naming the container; unprotected is Permanent naming what is missing', () => {
    expect(immutabilityNotEnabled('writing k', 'archive')).toMatchObject({
      _tag: 'InvalidInput',
      path: 'container',
    });
    expect(immutabilityNotEnabled('writing k', 'archive').message).toContain('"archive"');
    const missing = unprotected('t/k.cxar', 'the legal hold');
    expect(missing._tag).toBe('Permanent');
    expect(missing.message).toContain('t/k.cxar');
    expect(missing.message).toContain('the legal hold');
  });
  it('sizeMismatch is InvalidInput, verificationFailed Permanent', () => {
    expect(sizeMismatch('k', 5, 4)._tag).toBe('InvalidInput');
    const failed = verificationFailed('k', { size: 1, md5: 'aa' }, { size: 2, md5: 'bb' });
    expect(failed._tag).toBe('Permanent');
    expect(failed.message).toContain('sent 1 bytes (md5 aa), read back 2 bytes (md5 bb)');
  });
});
