export { collect, DEFAULT_COLLECT_LIMIT } from './collect.js';
export { failingStream } from './failing-stream.js';
export { generatedDigest, generatedStream } from './generated-stream.js';
export { HOSTILE_KEYS, NESTED_KEY } from './hostile-keys.js';
export { createMemorySink, type MemorySink } from './memory-sink.js';
export {
  describeSinkConformance,
  type SinkConformanceCase,
  type SinkConformanceCaseId,
  type SinkConformanceOptions,
  type SinkUnderTest,
  sinkConformanceCases,
} from './sink-conformance.js';
