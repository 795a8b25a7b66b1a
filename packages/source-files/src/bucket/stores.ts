import { azureStore } from './azure.js';
import { gcsStore } from './gcs.js';
import type { ResolvedBucket } from './options.js';
import { s3Store } from './s3.js';
import type { ObjectStore } from './store.js';

/** The store of a bucket option, through that store's own SDK. */
export const storeFor = (bucket: ResolvedBucket): ObjectStore => {
  switch (bucket.store) {
    case 's3':
      return s3Store(bucket);
    case 'gcs':
      return gcsStore(bucket);
    case 'azure':
      return azureStore(bucket);
  }
};
