export {
  collect,
  DEFAULT_COLLECT_LIMIT,
} from './collect.js';
export {
  CHECKSUM_ALGORITHMS,
  type ChecksumHasher,
  checksumOf,
  checksumOfStream,
  createChecksumHasher,
  isChecksumAlgorithm,
} from './collect-checksum.js';
export {
  failingStream,
  type StallingStream,
  stallingStream,
} from './failing-stream.js';
export {
  type FaultProxy,
  type HttpFaultProxyOptions,
  type HttpFaults,
  type InjectedResponse,
  startHttpFaultProxy,
  startTcpFaultProxy,
  type TcpFaults,
} from './fault-proxy.js';
export {
  generatedDigest,
  generatedStream,
} from './generated-stream.js';
export {
  HOSTILE_KEYS,
  NESTED_KEY,
} from './hostile-keys.js';
export { createIdentityCodec } from './identity-codec.js';
export {
  createMemorySink,
  type MemorySink,
  type MemorySinkOptions,
} from './memory-sink.js';
export {
  createMemorySource,
  type MemoryArtifactSpec,
  type MemoryItemSpec,
  type MemorySource,
  type MemorySourceOptions,
  type MemorySourceScript,
  type ScriptedFault,
} from './memory-source.js';
export {
  createScriptedSink,
  type PutScript,
  type ScriptedSink,
  type SinkScript,
} from './scripted-sink.js';
export { AZURITE_ACCOUNT_KEY, AZURITE_ACCOUNT_NAME, type Azurite, startAzurite } from './servers/azurite.js';
export { type CephRgw, cephRgwUnavailable, installCephRgw, startCephRgw } from './servers/ceph-rgw.js';
export {
  chromiumUnavailable,
  type HeadlessPage,
  installChromium,
  openInChromium,
} from './servers/chromium.js';
export {
  CLAMD_CUSTOM_SIGNATURE,
  CLAMD_EICAR_SIGNATURE,
  type Clamd,
  type ClamdOptions,
  clamdCustomMarker,
  clamdUnavailable,
  eicarTestFile,
  installClamd,
  startClamd,
} from './servers/clamd.js';
export { FIREBASE_TOOLS_VERSION, type GcsEmulator, startGcsEmulator } from './servers/gcs-emulator.js';
export {
  answersHttp,
  type Background,
  freePort,
  startBackground,
  stopPid,
  waitUntil,
} from './servers/process.js';
export {
  describeSinkConformance,
  type InjectedAnswer,
  type ProxyAddress,
  type SinkConformanceCase,
  type SinkConformanceCaseId,
  type SinkConformanceEnv,
  type SinkConformanceOptions,
  type SinkFaultHooks,
  type SinkUnderTest,
  sinkConformanceCases,
  sinkConformancePlan,
} from './sink-conformance.js';
