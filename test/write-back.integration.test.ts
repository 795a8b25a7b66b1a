// Write-back and details through the runtime: simulator → source-cxone (writeBack, details) →
// gzip-aes → sink-fs. The written values are read back where CXone shows them (Media Playback's
// dynamicBusinessData); refusals and throttling leave the archive alone.
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { demoToken, type RunningSimulator } from '@cxarchive/cxone-simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTenant, openCodec, runTenant, type Tenant } from './helpers.js';

const FS_SINK = '  - use: fs\n    with: { root: ./archive }';
const tenants: Tenant[] = [];
afterEach(async () => {
  await Promise.all(tenants.splice(0).map((t) => t.simulator.stop()));
});

const tokenOf = demoToken;

/** What Media Playback shows of a master's business data: `{id: value}`. */
const businessDataOf = async (sim: RunningSimulator, token: string, master: string) => {
  const res = await fetch(
    `${sim.url}/media-playback/v1/contacts?acd-call-id=${master}&media-type=voice-only`,
    {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    },
  );
  const body = (await res.json()) as {
    interactions: { dynamicBusinessData: { id: string; value: unknown }[] }[];
  };
  return Object.fromEntries(body.interactions[0]!.dynamicBusinessData.map((d) => [d.id, d.value]));
};

const writeBack = (fields: string) => `    writeBack:\n      businessData:\n        fields: ${fields}\n`;

describe('write-back to CXone Business Data', () => {
  it('writes the archive reference on every contact archived with a recording, after the commit; Media Playback shows it', async () => {
    const t = await makeTenant(FS_SINK, {
      contacts: 16,
      sourceExtra: writeBack('{ archival_status: ARCHIVED, archive_ref: "{objectKey}#{sha256}" }'),
      extra: 'budgets:\n  business-data: { requests: 100, per: 1s }\n',
    });
    tenants.push(t);
    const report = await runTenant(t);
    const { recordings, contacts } = t.simulator.dataset;
    expect(report.status).toBe('succeeded');
    // Every archived contact is acknowledged; only those with a recording have something to write.
    expect(report.acknowledgements).toEqual({ done: contacts.length, refused: 0, pending: 0 });
    const token = await tokenOf(t.simulator);
    for (const master of recordings.keys()) {
      const shown = await businessDataOf(t.simulator, token, master);
      expect(shown.archival_status).toBe('ARCHIVED');
      const day = t.simulator.dataset.contacts
        .find((c) => c.contactId === master)!
        .contactStartDate.slice(0, 10)
        .replace(/-/g, '/');
      expect(shown.archive_ref).toMatch(
        new RegExp(`^e2e/${day}/${master}/contact\\.json\\.cxar#[0-9a-f]{64}$`),
      );
    }
    // Contacts without a recording have nothing written, and each recorded one exactly one PUT.
    const puts = t.simulator.requests.filter((r) => r.path.startsWith('/business-data-manager/'));
    expect(puts).toHaveLength(recordings.size);
    // A second run writes nothing again.
    const again = await runTenant(t);
    expect(again.acknowledgements).toEqual({ done: 0, refused: 0, pending: 0 });
  });

  it('a field CXone does not define is refused for good: the contacts stay archived, the run succeeds and says so', async () => {
    const t = await makeTenant(FS_SINK, {
      contacts: 10,
      sourceExtra: writeBack('{ not_a_defined_field: ARCHIVED }'),
      extra: 'budgets:\n  business-data: { requests: 100, per: 1s }\n',
    });
    tenants.push(t);
    const report = await runTenant(t);
    const n = t.simulator.dataset.recordings.size;
    expect(report.status).toBe('succeeded');
    expect(report.counts.failed).toBe(0);
    expect(report.acknowledgements).toEqual({
      done: t.simulator.dataset.contacts.length - n,
      refused: n,
      pending: 0,
    });
    expect(report.warnings.join('\n')).toMatch(/refused by the source.*HTTP 400/);
    const again = await runTenant(t);
    expect(again.acknowledgements).toEqual({ done: 0, refused: 0, pending: 0 });
  });

  it('throttled by CXone, what is not written stays pending and a later run writes it; nothing is archived twice', async () => {
    // One clock for CXone and the runtime (tokens are dated by it).
    let clockMs = Date.parse('2026-11-20T00:00:00Z');
    const t = await makeTenant(FS_SINK, {
      contacts: 16,
      simulator: {
        now: () => new Date(clockMs),
        budgets: { 'business-data': { requests: 2, perMs: 60_000 } },
      },
      sourceExtra: writeBack('{ archival_status: ARCHIVED }'),
      // The pipeline's own budget lets everything through: CXone's 429s are what hold the rest back.
      extra: 'budgets:\n  business-data: { requests: 100, per: 1s }\nacknowledge: { drainFor: 300ms }\n',
    });
    tenants.push(t);
    const written = () =>
      t.simulator.requests.filter((r) => r.path.startsWith('/business-data-manager/') && r.status === 204)
        .length;
    const first = await runTenant(t, {}, { now: () => new Date(clockMs) });
    expect(first.status).toBe('succeeded');
    expect(written()).toBe(2);
    expect(first.acknowledgements.pending).toBeGreaterThan(0);
    expect(first.acknowledgements.done + first.acknowledgements.pending).toBe(
      t.simulator.dataset.contacts.length,
    );
    expect(first.objects).toBeGreaterThan(0);

    // A day later: CXone's window moved on, and the pending writes are due again.
    clockMs += 86_400_000;
    const second = await runTenant(t, {}, { now: () => new Date(clockMs) });
    expect(written()).toBe(4);
    expect(second.acknowledgements.pending).toBeLessThan(first.acknowledgements.pending);
    expect(second.acknowledgements.refused).toBe(0);
    expect(second.objects).toBe(0);
    expect(second.counts.archived).toBe(0);
  });
});

describe('details of each contact', () => {
  it('adds state history, disposition and custom data to the archived record, as the API gives them', async () => {
    const t = await makeTenant(FS_SINK, {
      contacts: 8,
      sourceExtra: '    details: [stateHistory, disposition, customData]\n',
    });
    tenants.push(t);
    const report = await runTenant(t);
    expect(report.status).toBe('succeeded');
    const token = await tokenOf(t.simulator);
    const codec = await openCodec(t);
    for (const contact of t.simulator.dataset.contacts) {
      const day = contact.contactStartDate.slice(0, 10).replace(/-/g, '/');
      const key = `e2e/${day}/${contact.contactId}/contact.json.cxar`;
      const decoded = await codec.decode(
        createReadStream(path.join(t.dir, 'archive', key)),
        {
          objectKey: key,
          tenant: 'e2e',
          itemId: contact.contactId,
          artifact: 'contact.json',
          contentType: 'application/json',
        },
        new AbortController().signal,
      );
      if (decoded.isErr()) throw new Error(decoded.error.message);
      const chunks: Buffer[] = [];
      for await (const c of decoded.value) chunks.push(c as Buffer);
      const record = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const api = async (what: string) => {
        const res = await fetch(
          `${t.simulator.url}/incontactapi/services/v33.0/contacts/${contact.contactId}/${what}`,
          {
            headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
          },
        );
        return res.status === 204 ? undefined : ((await res.json()) as Record<string, unknown>);
      };
      expect(record.stateHistory).toEqual((await api('state-history'))?.contactStateHistory ?? []);
      expect(record.disposition).toEqual((await api('disposition')) ?? null);
      expect(record.customData).toEqual(
        ((await api('custom-data'))?.contactCustomData as unknown[] | undefined)?.map((d) => ({
          name: (d as { name: string }).name,
          value: String((d as { value: unknown }).value ?? ''),
        })) ?? [],
      );
      expect(Array.isArray(record.stateHistory)).toBe(true);
    }
  });
});
