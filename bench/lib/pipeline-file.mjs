// The pipeline file the benches archive with: source-cxone on a running simulator (its URL and
// demo credentials), the gzip-aes codec with a new key file, sink-fs under the same directory.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { writeKeyFile } from '@cxarchive/codec-gzip-aes';

/**
 * Writes `bench.key` and `archive.pipeline.yaml` into `dir` and returns the pipeline file's path.
 * `media` is source-cxone's media list as YAML (`[]`, `[voice]`); `pageSize` its listing page
 * size (left to the source's default when not given); `extra` is appended as top-level YAML
 * (a layout, `budgets:`), one string or several lines.
 */
export const writeSimulatorPipeline = async (
  dir,
  simulator,
  { media = '[]', pageSize, concurrency = 8, extra = '' } = {},
) => {
  await writeKeyFile(path.join(dir, 'bench.key'));
  const { accessKeyId, accessKeySecret, clientId, clientSecret } = simulator.credentials;
  const page = pageSize === undefined ? '' : `, pageSize: ${pageSize}`;
  const file = path.join(dir, 'archive.pipeline.yaml');
  writeFileSync(
    file,
    `version: 1
tenant: bench
source:
  use: cxone
  with: { issuer: "${simulator.url}", accessKeyId: "${accessKeyId}", accessKeySecret: "${accessKeySecret}",
          clientId: "${clientId}", clientSecret: "${clientSecret}",
          since: 2026-01-01T00:00:00Z, media: ${media}${page} }
codec: { use: gzip-aes, with: { key: { provider: file, path: ./bench.key } } }
sinks: [{ use: fs, with: { root: ./archive } }]
concurrency: ${concurrency}
${[extra].flat().join('\n')}
`,
  );
  return file;
};
