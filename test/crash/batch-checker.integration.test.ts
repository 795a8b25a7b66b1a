// The batch-layout checks (check-batches.ts) are only as good as what they catch: each kind of
// damage they exist to find is done on purpose to a clean batch-layout archive, and must be reported.
import { appendFileSync, copyFileSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkScenario } from './check-archive.js';
import { BATCH_LAYOUT, SINK_ROOTS } from './children.js';
import { alterLedger, readLedger } from './ledger-rows.js';
import { cleanReference, newTenantDir, removeTenantDirs, step } from './scenarios.js';

afterAll(() => removeTenantDirs());

describe('the batch crash checks', () => {
  it('report every kind of damage done to a clean batch-layout archive', async () => {
    const { reference, problems } = await cleanReference('identity', BATCH_LAYOUT);
    expect(problems).toEqual([]);
    const dir = newTenantDir();
    const clean = await step(dir, { layout: BATCH_LAYOUT });
    expect((await checkScenario(dir, reference, [clean])).problems).toEqual([]);

    const [a, b] = SINK_ROOTS.map((r) => path.join(dir, r));
    const batches = readLedger(dir).batches;
    expect(batches.map((x) => x.status)).toEqual(['stored', 'stored', 'stored']);
    // the full batches (three members) and the last one
    const [b1, b2] = batches.filter((x) => x.members.length === 3);
    const b3 = batches.find((x) => x.members.length === 2)!;
    const [first, second, third] = b2!.members;
    // b1 missing from archive-b
    unlinkSync(path.join(b!, b1!.key));
    // b2 on archive-a loses its last line (a member archived without its line stored)
    const lines = readFileSync(path.join(a!, b2!.key), 'utf8').split('\n');
    writeFileSync(path.join(a!, b2!.key), `${lines.slice(0, 2).join('\n')}\n`);
    // b2 on archive-b holds its first line twice
    appendFileSync(path.join(b!, b2!.key), `${lines[0]}\n`);
    // an object at the key of no batch (a copy of b1)
    const stray = b1!.key.replace(b1!.batch_id, `${b1!.batch_id}9`);
    copyFileSync(path.join(a!, b1!.key), path.join(a!, stray));
    // the ledger: b3 left sealed; b1's batch item not archived; b2's object row on sinks[1] gone;
    // b2's first member also a member of b1
    alterLedger(dir, `UPDATE batches SET status = 'sealed' WHERE batch_id = '${b3.batch_id}'`);
    alterLedger(dir, `UPDATE items SET status = 'pending' WHERE item_id = '#batch:${b1!.batch_id}'`);
    alterLedger(dir, `DELETE FROM objects WHERE item_id = '#batch:${b2!.batch_id}' AND sink = 'sinks[1]'`);
    alterLedger(
      dir,
      `INSERT INTO batch_members (tenant, source, batch_id, position, item_id) VALUES ('acme', 'seeded', '${b1!.batch_id}', 9, '${first}')`,
    );

    const found = (await checkScenario(dir, reference, [clean])).problems;
    const expected = [
      `archive-b is missing the stored batch ${b1!.batch_id}`,
      `ledger object #batch:${b1!.batch_id}@sinks[1]: no file at ${b1!.key}`,
      `archive-a/${b2!.key}: holds ${first},${second}, its members are ${first},${second},${third}`,
      `archive-a: the line of ${third} is in 0 stored batch objects`,
      `archive-a/${b2!.key} was written again after run 1`,
      `archive-b/${b2!.key}: holds ${first} twice`,
      `archive-b: the line of ${first} is in 2 stored batch objects`,
      `archive-a/${stray}: a batch object the ledger does not record as stored (no batch has this key)`,
      `batch ${b3.batch_id} is still sealed after the completing run`,
      `archive-a/${b3.key}: a batch object the ledger does not record as stored (its batch is sealed)`,
      `${b3.members[0]} is a member of 0 stored batches`,
      `batch ${b1!.batch_id} is stored but its item row is pending`,
      `ledger has 0 object rows for #batch:${b2!.batch_id} on sinks[1]`,
      `${first} is a member of 2 stored batches`,
      `batch ${b1!.batch_id} has 4 members (batchSize 3)`,
    ];
    for (const problem of expected)
      expect(
        found.some((f) => f.startsWith(problem)),
        `not reported: ${problem}\nreported:\n${found.join('\n')}`,
      ).toBe(true);
  });

  it('report a batch abandoned, and an object left at its key is then tolerated but counted', async () => {
    const { reference } = await cleanReference('identity', BATCH_LAYOUT);
    const dir = newTenantDir();
    const clean = await step(dir, { layout: BATCH_LAYOUT });
    const [batch] = readLedger(dir).batches;
    alterLedger(dir, `UPDATE batches SET status = 'abandoned' WHERE batch_id = '${batch!.batch_id}'`);
    const checked = await checkScenario(dir, reference, [clean]);
    expect(checked.problems).toContain(
      `batch ${batch!.batch_id} was abandoned: a kill alone must not keep a batch from being formed again`,
    );
    expect(
      checked.problems.some((p) => p.includes(`/${batch!.key}: a batch object the ledger does not`)),
    ).toBe(false);
    expect(checked.stats.batches).toEqual({ openLeft: 0, abandoned: 1, orphans: 2 });
  });
});
