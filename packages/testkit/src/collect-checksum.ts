// The checksum helpers live in core (the runtime computes every algorithm a sink may declare);
// re-exported here for tests and sink authors who import them from the testkit.
export {
  CHECKSUM_ALGORITHMS,
  type ChecksumHasher,
  type CompositeHasher,
  checksumOf,
  checksumOfStream,
  createChecksumHasher,
  createCompositeHasher,
  isChecksumAlgorithm,
} from '@cxarchive/core';
