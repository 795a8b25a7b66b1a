import {
  BUDGET_FAMILIES,
  BUDGET_LIMITS,
  type BudgetFamily,
  type BudgetOption,
  RETRY_AFTER_MODES,
  type ResolvedBudget,
  type RetryAfterMode,
  type SimulatorBudgets,
} from './budgets.js';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

export const BUDGET_FLAG_FORMAT = 'FAMILY=N/WINDOW[,retry-after=seconds|http-date|none] or FAMILY=off';

type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

const fail = (raw: string, why: string): Parsed<never> => ({
  ok: false,
  message: `--budget ${why} (got '${raw}'; expected ${BUDGET_FLAG_FORMAT})`,
});

/** One `--budget` value: `media-playback=150/5m`, `media-playback=4/1500ms,retry-after=none`, `media-playback=off`. */
export function parseBudgetFlag(raw: string): Parsed<{ family: BudgetFamily; budget: BudgetOption | false }> {
  const match = /^([a-z-]+)=(.*)$/.exec(raw);
  if (match === null) return fail(raw, 'must name a family');
  const [, name = '', spec = ''] = match;
  const family = BUDGET_FAMILIES.find((known) => known === name);
  if (family === undefined)
    return fail(raw, `names an unknown API family (known: ${BUDGET_FAMILIES.join(', ')})`);
  if (spec === 'off') return { ok: true, value: { family, budget: false } };
  const [rate = '', ...settings] = spec.split(',');
  const parts = /^(\d{1,10})\/(\d{1,8})(ms|s|m|h)$/.exec(rate);
  if (parts === null) return fail(raw, 'needs requests/window, e.g. 150/5m or 4/1500ms');
  const requests = Number(parts[1]);
  const perMs = Number(parts[2]) * UNIT_MS[parts[3] as keyof typeof UNIT_MS];
  if (requests < 1 || requests > BUDGET_LIMITS.maxRequests) {
    return fail(raw, `requests must be between 1 and ${BUDGET_LIMITS.maxRequests}`);
  }
  if (perMs < 1 || perMs > BUDGET_LIMITS.maxPerMs) return fail(raw, 'window must be between 1ms and 24h');
  let retryAfter: RetryAfterMode = 'seconds';
  for (const setting of settings) {
    const mode = /^retry-after=(.*)$/.exec(setting)?.[1];
    const known = RETRY_AFTER_MODES.find((candidate) => candidate === mode);
    if (known === undefined) return fail(raw, `has an unknown setting '${setting}'`);
    retryAfter = known;
  }
  return { ok: true, value: { family, budget: { requests, perMs, retryAfter } } };
}

/** Every `--budget` of a command line; a family given twice is an error. */
export function parseBudgetFlags(raws: readonly string[]): Parsed<SimulatorBudgets> {
  const budgets: { [F in BudgetFamily]?: BudgetOption | false } = {};
  for (const raw of raws) {
    const parsed = parseBudgetFlag(raw);
    if (!parsed.ok) return parsed;
    const { family, budget } = parsed.value;
    if (family in budgets) return { ok: false, message: `--budget ${family} is given twice` };
    budgets[family] = budget;
  }
  return { ok: true, value: budgets };
}

const formatWindow = (ms: number): string => {
  for (const unit of ['h', 'm', 's'] as const) {
    if (ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
};

const RETRY_AFTER_WORDS: Readonly<Record<RetryAfterMode, string>> = {
  seconds: 'Retry-After in seconds',
  'http-date': 'Retry-After as an HTTP date',
  none: 'no Retry-After',
};

/** `media-playback 150/5m (Retry-After in seconds)` */
export const describeBudget = (budget: ResolvedBudget): string =>
  `${budget.family} ${budget.requests}/${formatWindow(budget.perMs)} (${RETRY_AFTER_WORDS[budget.retryAfter]})`;
