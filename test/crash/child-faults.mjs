// Kill points the crash child adds to core's fault hook, for the batch record layout. Core's
// selector (`CXARCHIVE_TEST_FAULT=<step>:<itemId|*>:<kill|throw>[:<nth>]`, read in
// packages/core/src/runtime/faults.ts) splits on ':' and compares item ids exactly, so it cannot
// name a batch (`#batch:<runId>-<n>`: a colon, and a run id not known in advance). With the same
// syntax, this adds:
//
// - `<core step>:#batch:<kill|throw>[:<nth>]`: the nth time the step is reached for any batch
//   object (the unit's item id starts with `#batch:`), through `setFaultHook`;
// - ledger steps, reached when a ledger write about a batch is committed (durable), before the
//   runtime goes on (`kill` only):
//   `batch-sealed` (its members fixed, before its upload), `batch-stored` (the batch `stored`,
//   its members not yet settled), `batch-settled` (its members settled archived, before their
//   acknowledgements). Target `*` or `#batch`: any batch; an item id: the batch holding it.
//
// The ledger steps watch the ledger's own SQLite driver (better-sqlite3, the module instance core
// loads): statements that set a batch's status or settle an item archived are noted while the
// transaction is open, and the process kills itself right after the `COMMIT` that made them durable.
import { createRequire } from 'node:module';
import { FAULT_STEPS, InjectedFault, setFaultHook } from '@cxarchive/core/host';

export const LEDGER_STEPS = ['batch-sealed', 'batch-stored', 'batch-settled'];

const isBatchId = (itemId) => itemId.startsWith('#batch:');

/** A core step aimed at batch objects. */
const batchUnitHook = (step, action, wanted) => {
  let seen = 0;
  setFaultHook((at, itemId) => {
    if (at !== step || !isBatchId(itemId)) return;
    seen++;
    if (seen !== wanted) return;
    if (action === 'kill') process.kill(process.pid, 'SIGKILL');
    throw new InjectedFault(at, itemId);
  });
};

/** A ledger step: kills after the commit that made the nth matching batch write durable. */
const ledgerHook = (step, target, wanted) => {
  const Database = createRequire(new URL('../../packages/core/package.json', import.meta.url))(
    'better-sqlite3',
  );
  const probe = new Database(':memory:');
  const Statement = Object.getPrototypeOf(probe.prepare('SELECT 1'));
  probe.close();
  /** Writes of the open transaction: { step, members } each. */
  let noted = [];
  let settling;
  let seen = 0;
  const membersOf = (db, p) =>
    db
      .prepare('SELECT item_id FROM batch_members WHERE tenant = ? AND source = ? AND batch_id = ?')
      .pluck()
      .all(p.tenant, p.source, p.batchId);
  const run = Statement.run;
  Statement.run = function noting(...args) {
    const result = run.apply(this, args);
    const p = args[0];
    if (p && typeof p === 'object') {
      if (
        this.source.startsWith('UPDATE batches SET status') &&
        (p.status === 'sealed' || p.status === 'stored')
      )
        noted.push({ step: `batch-${p.status}`, members: membersOf(this.database, p) });
      else if (
        this.source.startsWith('UPDATE items SET status') &&
        (p.status === 'archived' ||
          (this.source.includes("status = 'archived'") && typeof p.items === 'string'))
      ) {
        // One settlement of many members is one write: its items are one event (settled one by one,
        // or many in one statement over a JSON list).
        if (!settling) {
          settling = { step: 'batch-settled', members: [] };
          noted.push(settling);
        }
        if (typeof p.items === 'string') settling.members.push(...JSON.parse(p.items));
        else settling.members.push(p.itemId);
      }
    } else if (typeof this.source === 'string' && /^(RELEASE|COMMIT|ROLLBACK)/.test(this.source))
      settling = undefined;
    return result;
  };
  const exec = Database.prototype.exec;
  Database.prototype.exec = function watching(sql) {
    const result = exec.call(this, sql);
    if (sql === 'ROLLBACK') noted = [];
    if (sql !== 'COMMIT') return result;
    const committed = noted;
    noted = [];
    settling = undefined;
    for (const event of committed) {
      if (event.step !== step) continue;
      if (target !== '*' && target !== '#batch' && !event.members.includes(target)) continue;
      seen++;
      if (seen === wanted) process.kill(process.pid, 'SIGKILL');
    }
    return result;
  };
};

/** Installs what `spec` asks of this file; a spec core handles alone is left to core. */
export const installChildFaults = (spec) => {
  if (!spec) return;
  const [step, target, action, nth] = spec.split(':');
  const wanted = Number(nth ?? '1');
  if (LEDGER_STEPS.includes(step)) {
    if (action !== 'kill') throw new Error(`${spec}: a ledger step can only kill`);
    ledgerHook(step, target, wanted);
  } else if (FAULT_STEPS.includes(step) && target === '#batch') batchUnitHook(step, action, wanted);
};
