import { type CheckOutcome, locate, type PreparedPipeline } from '@cxarchive/core/host';
import type { Finding } from './validate-findings.js';
import { segmentsOf } from './validate-semantic.js';

/** Where a plugin's failure points: the option it named, else its `use`. */
const placeOf = (prepared: PreparedPipeline, outcome: CheckOutcome) => {
  const segments =
    outcome.option === undefined
      ? [...segmentsOf(outcome.label), 'use']
      : segmentsOf(outcome.label, outcome.option);
  const path =
    outcome.option === undefined ? `${outcome.label}.use` : `${outcome.label}.with.${outcome.option}`;
  return { file: prepared.loaded.file, ...locate(prepared.loaded.source, segments), path };
};

const HINTS: Record<string, string> = {
  Auth: 'the credentials were refused, or may not do this: check them, their permissions, and that they belong to this tenant and environment',
  NotFound: 'something it needs does not exist (a bucket, a container, an endpoint): check the names',
  Transient: 'it could not be reached: check the address, the network and any proxy, then try again',
  Throttled: 'it answered "too many requests": try again later',
  InvalidInput: 'fix the option named, then validate again',
};

/**
 * Findings of the plugins' health checks. The codec's is local and part of every `validate`: a key
 * that cannot be used is `key.unusable`. The others' (`--connect`) are `check.failed`, and a plugin
 * without a check is a note.
 */
export const checkFindings = (prepared: PreparedPipeline, outcomes: readonly CheckOutcome[]): Finding[] =>
  outcomes.flatMap((o): Finding[] => {
    if (o.status === 'ok') return [];
    if (o.status === 'none')
      return o.kind === 'codec'
        ? []
        : [
            {
              severity: 'note',
              code: 'check.none',
              ...placeOf(prepared, o),
              message: `${o.label} (${o.packageName}) has no health check: it was not contacted`,
            },
          ];
    return [
      {
        severity: 'error',
        code: o.kind === 'codec' ? 'key.unusable' : 'check.failed',
        ...placeOf(prepared, o),
        message: `${o.label} (${o.packageName}): ${o.message ?? 'failed'}`,
        hint: HINTS[o.errorTag ?? ''] ?? 'see the message; `cxarchive run` would fail the same way',
      },
    ];
  });

/** What passed, one line per check, for people. */
export const checkLines = (outcomes: readonly CheckOutcome[]): string[] =>
  outcomes
    .filter((o) => o.status === 'ok')
    .flatMap((o) => o.checked.map((line) => `  ${o.label.padEnd(14)} ok: ${line}`));
