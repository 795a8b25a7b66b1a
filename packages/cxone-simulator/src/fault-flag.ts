import { FAULT_KINDS, type FaultKind, type FaultSpec, resolveFault } from './faults.js';
import { ROUTE_NAMES } from './router.js';

export const FAULT_FLAG_FORMAT =
  'ROUTE:KIND[=VALUE][,after=N][,count=N|always][,retry-after=S], e.g. media-playback:status=503,count=3';

type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

const fail = (raw: string, why: string): Parsed<never> => ({
  ok: false,
  message: `--fault ${why} (got '${raw}'; expected ${FAULT_FLAG_FORMAT})`,
});

/** The field each kind's `=VALUE` sets, and whether the value is required. */
const VALUE_FIELD: Readonly<Record<FaultKind, { field?: string; required: boolean }>> = {
  status: { field: 'status', required: true },
  latency: { field: 'ms', required: true },
  reset: { field: 'afterBytes', required: false },
  'expire-token': { required: false },
  shift: { field: 'by', required: false },
  duplicate: { field: 'by', required: false },
};

const SETTINGS: Readonly<Record<string, string>> = {
  after: 'after',
  count: 'count',
  'retry-after': 'retryAfterSeconds',
};

/**
 * One `--fault` value:
 * `media-playback:status=429` (no Retry-After), `media-playback:status=429,retry-after=2`,
 * `contacts-completed:status=503,count=3,after=1` (a burst of three 503s after one good page),
 * `*:latency=250,count=always`, `media-file:reset` (before the head), `media-file:reset=65536`
 * (after 64 KiB of the body), `media-playback:expire-token,after=5`, `contacts-completed:shift=2`,
 * `contacts-completed:duplicate`.
 */
export function parseFaultFlag(raw: string): Parsed<FaultSpec> {
  const match = /^([^:]+):([a-z-]+)(?:=(\d{1,15}))?((?:,[^,]*)*)$/.exec(raw);
  if (match === null) return fail(raw, 'must be ROUTE:KIND with an optional =VALUE and settings');
  const [, route = '', kindName = '', value, rest = ''] = match;
  const kind = FAULT_KINDS.find((known) => known === kindName);
  if (kind === undefined)
    return fail(raw, `has an unknown kind '${kindName}' (known: ${FAULT_KINDS.join(', ')})`);
  const spec: Record<string, unknown> = { route, kind };
  const { field, required } = VALUE_FIELD[kind];
  if (value !== undefined) {
    if (field === undefined) return fail(raw, `kind ${kind} takes no value`);
    spec[field] = Number(value);
  } else if (required) {
    return fail(raw, `kind ${kind} needs a value (${kind}=${field === 'ms' ? 'MILLISECONDS' : 'STATUS'})`);
  }
  for (const setting of rest.split(',').slice(1)) {
    const parts = /^([a-z-]+)=(\d{1,15}|always)$/.exec(setting);
    const name = parts === null ? undefined : SETTINGS[parts[1] as string];
    if (parts === null || name === undefined) return fail(raw, `has an unknown setting '${setting}'`);
    if (name in spec) return fail(raw, `gives ${parts[1]} twice`);
    spec[name] = parts[2] === 'always' ? 'always' : Number(parts[2]);
  }
  try {
    return { ok: true, value: resolveFault(spec, ROUTE_NAMES) };
  } catch (error) {
    return fail(raw, (error as Error).message.replace(/^fault\./, 'fault '));
  }
}

/** Every `--fault` value, in order. */
export function parseFaultFlags(raws: readonly string[]): Parsed<FaultSpec[]> {
  const out: FaultSpec[] = [];
  for (const raw of raws) {
    const parsed = parseFaultFlag(raw);
    if (!parsed.ok) return parsed;
    out.push(parsed.value);
  }
  return { ok: true, value: out };
}

/** `media-playback:status=503,count=3` — a fault as its flag would give it. */
export function describeFault(spec: FaultSpec): string {
  const { field } = VALUE_FIELD[spec.kind];
  const value = field === undefined ? undefined : (spec as unknown as Record<string, unknown>)[field];
  const settings = [
    spec.after !== undefined && spec.after !== 0 ? `after=${spec.after}` : undefined,
    spec.count !== undefined && spec.count !== 1 ? `count=${spec.count}` : undefined,
    spec.retryAfterSeconds === undefined ? undefined : `retry-after=${spec.retryAfterSeconds}`,
  ].filter((part) => part !== undefined);
  return [`${spec.route}:${spec.kind}${value === undefined ? '' : `=${String(value)}`}`, ...settings].join(
    ',',
  );
}
