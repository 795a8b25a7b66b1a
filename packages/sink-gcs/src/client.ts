import { Storage, type StorageOptions } from '@google-cloud/storage';
import type { ResolvedGcsSinkOptions } from './schema.js';

/**
 * The SDK client. The SDK's own retries are off: the runtime alone decides whether to retry, and
 * re-opens the body from byte 0 when it does. With a custom endpoint the SDK sends no credentials
 * unless some were configured explicitly.
 */
export const createStorage = (
  options: Pick<ResolvedGcsSinkOptions, 'projectId' | 'apiEndpoint' | 'keyFile' | 'credentials'>,
): Storage => {
  const explicit = options.keyFile !== undefined || options.credentials !== undefined;
  const config: StorageOptions = {
    retryOptions: { autoRetry: false, maxRetries: 0 },
    ...(options.projectId === undefined ? {} : { projectId: options.projectId }),
    ...(options.apiEndpoint === undefined ? {} : { apiEndpoint: options.apiEndpoint }),
    ...(options.apiEndpoint !== undefined && explicit ? { useAuthWithCustomEndpoint: true } : {}),
    ...(options.keyFile === undefined ? {} : { keyFilename: options.keyFile }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
  };
  return new Storage(config);
};
