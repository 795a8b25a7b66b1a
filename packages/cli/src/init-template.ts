/** What `cxarchive init` asks for (or takes from flags), checked. */
export interface InitAnswers {
  readonly tenant: string;
  readonly sink: SinkKind;
  /** The CXone issuer URL written as the file's default (`${CXONE_ISSUER:-…}`). */
  readonly issuer: string;
  /** ISO 8601 date-time: where the first run starts. */
  readonly since: string;
}

export const SINK_KINDS = ['fs', 's3', 'gcs', 'azure'] as const;
export type SinkKind = (typeof SINK_KINDS)[number];

/**
 * CXone's OpenID issuers (reference/cxone-api.md, "Token endpoint discovery": the issuer is
 * https://cxone.niceincontact.com, or https://cxone-gov.niceincontact.com for FedRAMP). The region
 * (na1, eu1, au1, …) is not chosen here: the API host is discovered from the issuer per tenant
 * ({issuer}/.well-known/cxone-configuration, "Region/area discovery").
 */
export const ISSUERS = {
  global: {
    url: 'https://cxone.niceincontact.com',
    label: 'NICE CXone, every commercial region (the API host is discovered for the tenant)',
  },
  fedramp: { url: 'https://cxone-gov.niceincontact.com', label: 'NICE CXone FedRAMP (US government)' },
} as const;
export type IssuerName = keyof typeof ISSUERS;

/** The file names `init` writes, relative to the tenant directory. */
export const initFiles = (tenant: string) => ({
  pipeline: 'archive.pipeline.yaml',
  envExample: '.env.example',
  gitignore: '.gitignore',
  schema: 'cxarchive.schema.json',
  key: `keys/${tenant}.key`,
});

const SINKS: Readonly<Record<SinkKind, string>> = {
  fs: `  # A directory on this machine (or a mounted volume). Other stores: use s3, gcs or azure here
  # (cxarchive init --sink …, or see cxarchive plugins list); only this block changes.
  - use: fs # → @cxarchive/sink-fs
    with: { root: ./archive } # relative to this file`,
  s3: `  # Amazon S3 or an S3-compatible store; least-privilege IAM policy in @cxarchive/sink-s3's README.
  # Without accessKeyId and secretAccessKey, the AWS SDK's default credential chain is used.
  - use: s3 # → @cxarchive/sink-s3
    with:
      bucket: \${ARCHIVE_BUCKET}
      prefix: cxone/
      region: \${AWS_REGION}
      accessKeyId: \${AWS_ACCESS_KEY_ID}
      secretAccessKey: \${AWS_SECRET_ACCESS_KEY}`,
  gcs: `  # Google Cloud Storage (roles/storage.objectCreator and objectViewer on the bucket). Without
  # keyFile or credentials, Application Default Credentials are used.
  - use: gcs # → @cxarchive/sink-gcs
    with:
      bucket: \${ARCHIVE_BUCKET}
      prefix: cxone/
      projectId: \${GCP_PROJECT}`,
  azure: `  # Azure Blob Storage (Storage Blob Data Contributor on the container).
  - use: azure # → @cxarchive/sink-azure
    with:
      container: \${ARCHIVE_CONTAINER}
      prefix: cxone/
      connectionString: \${AZURE_STORAGE_CONNECTION_STRING}`,
};

const issuerComment = (issuer: string): string => {
  const known = Object.values(ISSUERS).find((i) => i.url === issuer);
  return known ? known.label : 'a custom issuer';
};

/** archive.pipeline.yaml, commented for someone who has never seen one. */
export const renderPipeline = (a: InitAnswers): string => {
  const files = initFiles(a.tenant);
  return `# yaml-language-server: $schema=./${files.schema}
# The ${a.tenant} tenant's archive pipeline, made by \`cxarchive init\`. The line above gives editors
# with the YAML language server (VS Code's YAML extension and others) checks and completion from
# ${files.schema}; make it again after installing or upgrading a plugin:
#   cxarchive schema --out ${files.schema}
#
# Every \${VAR} is read from the environment when the file is loaded: ${files.envExample} lists them.
# Secrets never go in this file. Check it with \`cxarchive validate\`, archive with \`cxarchive run\`.
# Every option: docs/configuration.md and each plugin's README.
version: 1
tenant: ${a.tenant} # [a-z0-9-], part of every object key: never change it once something is archived
source:
  use: cxone # → @cxarchive/source-cxone: completed contacts and their call recordings
  with:
    # The CXone issuer, always written out: it decides which CXone receives the credentials.
    # ${issuerComment(a.issuer)}.
    # CXONE_ISSUER, when set, takes its place (e.g. the cxone-simulator: http only to a loopback host).
    issuer: \${CXONE_ISSUER:-${a.issuer}}
    accessKeyId: \${CXONE_ACCESS_KEY_ID} # an API user's access key (Play Any permission for recordings)
    accessKeySecret: \${CXONE_ACCESS_KEY_SECRET}
    clientId: \${CXONE_CLIENT_ID} # the back-end application registered with NICE
    clientSecret: \${CXONE_CLIENT_SECRET}
    since: ${a.since} # the first run archives contacts updated from here on; later runs resume
    media: [voice] # call recordings; add chat and email for transcripts, [] for records only
codec:
  use: gzip-aes # → @cxarchive/codec-gzip-aes: every object compressed and encrypted (CXAR v1)
  with:
    # Made by \`cxarchive init\` (0600). Keep a copy somewhere safe: without it, nothing archived
    # under it can be restored. Never commit it (.gitignore lists keys/).
    key: { provider: file, path: ./${files.key} }
sinks:
${SINKS[a.sink]}
`;
};

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** .env.example: every variable the pipeline reads, in order of first use, with no value. */
export const renderEnvExample = (pipeline: string): string => {
  const seen = new Map<string, string | undefined>();
  for (const line of pipeline.split('\n')) {
    if (line.trimStart().startsWith('#')) continue;
    for (const m of line.matchAll(REFERENCE)) {
      const name = m[1] as string;
      if (!seen.has(name)) seen.set(name, m[2]);
    }
  }
  const lines = [
    '# The environment variables archive.pipeline.yaml reads (made by `cxarchive init`). Set them where',
    '# cxarchive runs (your scheduler, a secret store, or a .env file that git ignores); never commit values.',
  ];
  for (const [name, fallback] of seen) {
    if (fallback !== undefined) lines.push(`# optional: unset or empty means ${fallback}`);
    lines.push(`${name}=`);
  }
  return `${lines.join('\n')}\n`;
};

/** .gitignore: the key, the state, local secrets and (for fs) the archive stay out of version control. */
export const renderGitignore = (a: InitAnswers): string =>
  [
    '# Made by `cxarchive init`: keys, the ledger and local secrets never go into version control.',
    'keys/',
    '.cxarchive/',
    '.env',
    ...(a.sink === 'fs' ? ['archive/'] : []),
    '',
  ].join('\n');
