// The crash tests are only as good as their checks: each kind of damage they exist to catch is
// done on purpose to a clean archive, and must be reported.
import { appendFileSync, copyFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkScenario, TEMP_DIR } from './check-archive.js';
import { SINK_ROOTS } from './children.js';
import { alterLedger } from './ledger-rows.js';
import { cleanReference, newTenantDir, removeTenantDirs, step } from './scenarios.js';

afterAll(() => removeTenantDirs());

describe('the crash checks', () => {
  it('report every kind of damage done to a clean archive', async () => {
    const { reference, problems } = await cleanReference();
    expect(problems).toEqual([]);
    const dir = newTenantDir();
    const clean = await step(dir);
    expect((await checkScenario(dir, reference, [clean])).problems).toEqual([]);

    const [a, b] = SINK_ROOTS.map((r) => path.join(dir, r));
    const [k0, k1, k2] = reference.keys.filter((k) => k.endsWith('recording.wav.bin'));
    // an object missing, one replaced by an identical copy, one altered in place
    renameSync(path.join(b!, k0!), path.join(dir, 'moved-away'));
    copyFileSync(path.join(a!, k1!), path.join(dir, 'copy'));
    renameSync(path.join(dir, 'copy'), path.join(a!, k1!));
    const bytes = readFileSync(path.join(a!, k2!));
    bytes[100] = (bytes[100]! + 1) % 256;
    writeFileSync(path.join(a!, k2!), bytes);
    // a temp file left behind
    mkdirSync(path.join(a!, TEMP_DIR), { recursive: true });
    writeFileSync(path.join(a!, TEMP_DIR, 'host~1~2~00000000-0000-0000-0000-000000000000.tmp'), 'partial');
    // an acknowledgement before the commit (and a second one)
    appendFileSync(
      path.join(dir, 'acks.jsonl'),
      `${JSON.stringify({ id: 'c02', outcome: 'archived', objects: 6, ledgerStatus: 'pending', pid: 1 })}\n`,
    );
    // the ledger: an item not archived, an object row missing, a run left running
    alterLedger(dir, "UPDATE items SET status = 'pending' WHERE item_id = 'c04'");
    alterLedger(
      dir,
      "DELETE FROM objects WHERE item_id = 'c06' AND artifact = 'notes.txt' AND sink = 'sinks[1]'",
    );
    alterLedger(dir, "UPDATE runs SET status = 'running'");

    const found = (await checkScenario(dir, reference, [clean])).problems;
    const expected = [
      `archive-b is missing ${k0}`,
      `archive-a/${k1} was written again after run 1`,
      `archive-a/${k2} differs from the reference object`,
      `archive-a/${k2} was written again after run 1`,
      'archive-a holds temp files',
      'c02 was acknowledged (archived) while the ledger had it pending',
      'c02 was acknowledged twice',
      'c04 is pending',
      'ledger has 0 object rows for c06/notes.txt on sinks[1]',
      `run ${clean.exit.runId} is running, expected succeeded`,
    ];
    expect(found.some((f) => f.endsWith(`: no file at ${k0}`))).toBe(true);
    for (const problem of expected)
      expect(
        found.some((f) => f.startsWith(problem)),
        `not reported: ${problem}\nreported:\n${found.join('\n')}`,
      ).toBe(true);
  });
});
