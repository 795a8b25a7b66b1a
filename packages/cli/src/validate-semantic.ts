import {
  type CheckOutcome,
  type LedgerFacts,
  ledgerPath,
  listPrefixProblem,
  locate,
  type PreparedPipeline,
  type PreparedPlugin,
  pluginsOf,
  readLedgerFacts,
} from '@cxarchive/core/host';
import type { Finding } from './validate-findings.js';

/** `sinks[0]` + `key.path` → `['sinks', 0, 'with', 'key', 'path']`. */
export const segmentsOf = (label: string, option?: string): (string | number)[] => {
  const split = (text: string) =>
    text
      .split(/\.|\[(\d+)\]/)
      .filter((s) => s !== undefined && s !== '')
      .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  return option === undefined ? split(label) : [...split(label), 'with', ...split(option)];
};

const at = (
  prepared: PreparedPipeline,
  segments: readonly (string | number)[],
  path: string,
): Pick<Finding, 'file' | 'line' | 'column' | 'path'> => ({
  file: prepared.loaded.file,
  ...locate(prepared.loaded.source, segments),
  path,
});

/** Whether the file itself writes a value at these segments (not a default applied later). */
const written = (prepared: PreparedPipeline, segments: readonly (string | number)[]): boolean =>
  prepared.loaded.source.doc.hasIn(segments);

const isLoopback = (host: string): boolean =>
  host === 'localhost' || host === '[::1]' || /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(host);

/** The CXone URL rule (cxone-api's urls.ts, applied at a run's start): https, or http to loopback. */
const cxoneUrlProblem = (raw: string): string | undefined => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.username !== '' || url.password !== '') return 'must not carry credentials';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && isLoopback(url.hostname.toLowerCase())) return undefined;
  return url.protocol === 'http:'
    ? 'must be https (plain http only to a loopback host)'
    : 'has an unsupported scheme (use https)';
};

const hasOption = (plugin: PreparedPlugin, name: string): boolean =>
  Object.hasOwn(
    ((plugin.definition.configSchema as { properties?: object }).properties ?? {}) as object,
    name,
  );

/**
 * The issuer rule of the plugins that talk to CXone (their options have `issuer`): the issuer and
 * the API base must be https (http only to a loopback host: the simulator); an issuer the file
 * does not write is production CXone, which a copied example must not reach by accident.
 */
export const issuerFindings = (prepared: PreparedPipeline): Finding[] => {
  const out: Finding[] = [];
  for (const plugin of pluginsOf(prepared)) {
    if (!hasOption(plugin, 'issuer')) continue;
    const base = segmentsOf(plugin.label);
    for (const name of ['issuer', 'apiBaseUrl'] as const) {
      const value = plugin.config[name];
      if (typeof value !== 'string') continue;
      const problem = cxoneUrlProblem(value);
      if (problem)
        out.push({
          severity: 'error',
          code: 'cxone.url',
          ...at(prepared, [...base, 'with', name], `${plugin.label}.with.${name}`),
          message: `${name} ${problem}`,
          hint: 'CXone credentials travel only over TLS: use https://… (or http://127.0.0.1:PORT for the simulator)',
        });
    }
    if (!written(prepared, [...base, 'with', 'issuer']))
      out.push({
        severity: 'warning',
        code: 'cxone.issuer-default',
        ...at(prepared, [...base, 'with'], `${plugin.label}.with.issuer`),
        message: `no issuer: ${plugin.label} talks to production CXone (${String(plugin.config.issuer)})`,
        hint: "write the issuer explicitly: issuer: https://cxone.niceincontact.com for production, the simulator's http://127.0.0.1:PORT for a trial",
      });
  }
  return out;
};

/** Sink prefixes stay inside the safe key charset: no traversal, no empty segment. */
export const prefixFindings = (prepared: PreparedPipeline): Finding[] =>
  prepared.sinks.flatMap((sink) => {
    const prefix = sink.config.prefix;
    if (typeof prefix !== 'string' || prefix === '') return [];
    const problem = listPrefixProblem(prefix);
    return problem === undefined
      ? []
      : [
          {
            severity: 'error' as const,
            code: 'sink.prefix',
            ...at(prepared, [...segmentsOf(sink.label), 'with', 'prefix'], `${sink.label}.with.prefix`),
            message: `the prefix confines no key safely: ${problem.replace(/^the key/, 'it')}`,
            hint: 'a prefix is segments of [A-Za-z0-9._-] separated by "/", e.g. archive/ (no "..", no leading "/")',
          },
        ];
  });

/** The tenant's ledger, read-only; a ledger that cannot be read is a warning (run will say more). */
export const ledgerOf = (prepared: PreparedPipeline): { facts?: LedgerFacts; findings: Finding[] } => {
  const file = ledgerPath(prepared);
  const { facts, reason } = readLedgerFacts(file, prepared.loaded.config.tenant, prepared.source.use);
  if (reason === undefined) return { ...(facts ? { facts } : {}), findings: [] };
  return {
    findings: [
      {
        severity: 'warning',
        code: 'ledger.unreadable',
        ...at(prepared, ['state'], 'state.path'),
        message: `the ledger ${file} cannot be read: ${reason}`,
        hint: 'the checkpoint and the key ids were not compared; `cxarchive status` says more',
      },
    ],
  };
};

const isCxoneSource = (use: string): boolean => use === 'cxone' || use === '@cxarchive/source-cxone';

/**
 * `since` against the stored checkpoint (source-cxone: a run starts at max(since, checkpoint −
 * overlap), listing-window.ts): a `since` later than where the checkpoint reached leaves the
 * contacts between them out of the archive for good.
 */
export const checkpointFindings = (prepared: PreparedPipeline, facts: LedgerFacts | undefined): Finding[] => {
  if (facts?.checkpoint === undefined || !isCxoneSource(prepared.source.use)) return [];
  const reached = facts.checkpoint.updatedSince;
  const since = prepared.source.config.since;
  if (typeof reached !== 'string' || typeof since !== 'string') return [];
  const reachedMs = Date.parse(reached);
  const sinceMs = Date.parse(since);
  if (Number.isNaN(reachedMs) || Number.isNaN(sinceMs)) return [];
  const place = at(prepared, ['source', 'with', 'since'], 'source.with.since');
  if (sinceMs > reachedMs)
    return [
      {
        severity: 'warning',
        code: 'checkpoint.gap',
        ...place,
        message: `since (${since}) is later than where the stored checkpoint reached (${reached}): contacts updated between them will not be archived`,
        hint: 'set since back to the checkpoint or earlier to close the gap; if the gap is meant, this warning can be ignored',
      },
    ];
  return [
    {
      severity: 'note',
      code: 'checkpoint.resumes',
      ...place,
      message: `the stored checkpoint reached ${reached}: the next run resumes there, not at since`,
      hint: 'to archive older contacts again: cxarchive run --since <date> (see `cxarchive status`)',
    },
  ];
};

/**
 * The configured keys against the key ids the ledger recorded: objects written under a key the
 * codec no longer holds cannot be read back (restore, verify --deep) once the key is gone.
 */
export const keyFindings = (
  prepared: PreparedPipeline,
  facts: LedgerFacts | undefined,
  codec: CheckOutcome | undefined,
): Finding[] => {
  const ids = codec?.keyIds;
  if (facts === undefined || !facts.hasObjects || ids === undefined) return [];
  const lost = facts.keyIds.filter(
    (id) => !ids.read.includes(id) && !(ids.derived === true && id.startsWith('pw:')),
  );
  if (lost.length === 0) return [];
  return [
    {
      severity: 'error',
      code: 'key.changed',
      ...at(prepared, ['codec', 'with', 'key'], 'codec.with.key'),
      message: `the tenant's archived objects were written under ${lost.length === 1 ? 'key' : 'keys'} ${lost.join(', ')}, which the configured keys cannot open (configured: ${ids.read.join(', ') || 'a passphrase'})`,
      hint: 'a rotation keeps the earlier key under readKeys; if the key file was replaced by mistake, put the earlier one back',
    },
  ];
};
