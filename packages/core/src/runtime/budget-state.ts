import { readFile, rename, writeFile } from 'node:fs/promises';
import type { BudgetState, Budgets } from './budgets.js';

const VERSION = 1;

/** The file's content: every family's state when it was saved. */
interface Saved {
  readonly version: typeof VERSION;
  readonly savedAt: number;
  /** The run's own clock when saved (`runNow`): how much later the next run says it is. */
  readonly runAt?: number;
  readonly families: Readonly<Record<string, BudgetState>>;
}

const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** The saved families, or why the content is not a budget state this version can read. */
const parse = (
  text: string,
): { families: Record<string, BudgetState>; savedAt?: number; runAt?: number } | { problem: string } => {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: 'it is not JSON' };
  }
  const saved = value as Partial<Saved> | null;
  if (typeof saved !== 'object' || saved === null || saved.version !== VERSION)
    return { problem: `it is not a version ${VERSION} budget state` };
  if (typeof saved.families !== 'object' || saved.families === null) return { problem: 'it has no families' };
  const families: Record<string, BudgetState> = {};
  for (const [family, state] of Object.entries(saved.families)) {
    const s = state as Partial<BudgetState> | null;
    if (!Array.isArray(s?.heldUntil) || !s.heldUntil.every(isTime) || !isTime(s.blockedUntil))
      return { problem: `family ${family} has no list of times (heldUntil) and no blockedUntil` };
    families[family] = { heldUntil: s.heldUntil, blockedUntil: s.blockedUntil };
  }
  return {
    families,
    ...(isTime(saved.savedAt) ? { savedAt: saved.savedAt } : {}),
    ...(isTime(saved.runAt) ? { runAt: saved.runAt } : {}),
  };
};

/** The state as it is `ms` later: every time moved that much earlier. */
const aged = (families: Readonly<Record<string, BudgetState>>, ms: number): Record<string, BudgetState> => {
  const out: Record<string, BudgetState> = {};
  for (const [family, s] of Object.entries(families))
    out[family] = {
      heldUntil: s.heldUntil.map((t) => t - ms),
      blockedUntil: s.blockedUntil === 0 ? 0 : s.blockedUntil - ms,
    };
  return out;
};

/**
 * A tenant's API budgets kept between runs, in a small JSON file beside its ledger (the run's
 * lease makes its process the only writer). Without it, a run started right after another (a
 * schedule, a retry of a failed run) would send a whole window's worth of requests into a window
 * of CXone's that the last run had already filled: a 429 for each, and, since CXone does not
 * reliably say when to come back (reference/cxone-api.md §7), a whole window of waiting. Data
 * Extraction's 1 call per 30 s (D-DX) is the sharpest case: any two runs less than 30 s apart.
 *
 * `attach` reads the file into the run's budgets, then saves after every grant, settle or throttle:
 * one write at a time (written beside and renamed over, so a reader never sees half a file), a
 * change during a write saved right after it. A process killed between a grant and its save
 * loses that grant (milliseconds). Times are epoch milliseconds of `now`, the clock the budgets
 * count with (Effect's Clock reads the same `Date.now` outside tests). Memory and size: until when
 * each place still held is held, at most `requests` per family.
 */
export class BudgetStateFile {
  readonly file: string;
  readonly #now: () => number;
  readonly #runNow: () => number;
  #budgets: Budgets | undefined;
  #writing: Promise<void> | undefined;
  #dirty = false;
  #failure: string | undefined;

  /**
   * `now` is the clock the budgets count with; `runNow` the run's own clock (the same outside
   * tests). When the run's clock says more time passed since the save than `now` does (a test
   * starting a run "a day later"), the saved state is aged by the difference, as a later run would
   * find it.
   */
  constructor(file: string, now: () => number = Date.now, runNow: () => number = now) {
    this.file = file;
    this.#now = now;
    this.#runNow = runNow;
  }

  /**
   * Takes on the state the last run saved (none the first time) and saves every change from now
   * on. Returns what to warn about when the file was there but could not be used (the run goes on
   * without it: its first requests may then meet the server's throttle, which waits as told).
   */
  async attach(budgets: Budgets): Promise<string | undefined> {
    this.#budgets = budgets;
    let warning: string | undefined;
    let text: string | undefined;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        warning = `${this.file}: the last run's API budget state could not be read (${(error as NodeJS.ErrnoException).code ?? 'error'}); this run starts from empty budgets`;
    }
    if (text !== undefined) {
      const parsed = parse(text);
      if ('problem' in parsed)
        warning = `${this.file}: the last run's API budget state is ignored (${parsed.problem}); this run starts from empty budgets and rewrites the file`;
      else {
        const now = this.#now();
        const ahead =
          parsed.runAt === undefined || parsed.savedAt === undefined
            ? 0
            : this.#runNow() - parsed.runAt - (now - parsed.savedAt);
        budgets.restore(ahead > 0 ? aged(parsed.families, ahead) : parsed.families, now);
      }
    }
    budgets.onChange = () => this.#changed();
    return warning;
  }

  #changed(): void {
    if (this.#writing !== undefined) {
      this.#dirty = true;
      return;
    }
    this.#writing = this.#writeWhileDirty().finally(() => {
      this.#writing = undefined;
    });
  }

  async #writeWhileDirty(): Promise<void> {
    do {
      this.#dirty = false;
      await this.#write();
    } while (this.#dirty);
  }

  async #write(): Promise<void> {
    const budgets = this.#budgets;
    if (budgets === undefined) return;
    const now = this.#now();
    const saved: Saved = {
      version: VERSION,
      savedAt: now,
      runAt: this.#runNow(),
      families: budgets.state(now),
    };
    const temporary = `${this.file}.${process.pid}.tmp`;
    try {
      await writeFile(temporary, `${JSON.stringify(saved)}\n`);
      await rename(temporary, this.file);
    } catch (error) {
      this.#failure ??= `${this.file}: the API budget state could not be saved (${(error as NodeJS.ErrnoException).code ?? 'error'}); a run started within a window of this one may meet the server's throttle`;
    }
  }

  /** Waits for the writes under way (and the changes they left), e.g. before reading the file. */
  async saved(): Promise<void> {
    while (this.#writing !== undefined) await this.#writing;
  }

  /**
   * Stops following the budgets after a last save of their state. Returns what to warn about if
   * a save failed during the run.
   */
  async close(): Promise<string | undefined> {
    await this.saved();
    if (this.#budgets !== undefined) {
      this.#budgets.onChange = undefined;
      await this.#write();
      this.#budgets = undefined;
    }
    return this.#failure;
  }
}
