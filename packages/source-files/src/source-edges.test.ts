import type { Dir } from 'node:fs';
import { appendFile, opendir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isPluginFailure, memoryJobStore, type PluginContext, silentLogger } from '@cxarchive/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type Fixture,
  fetchErr,
  fetchOk,
  fixture,
  listAll,
  listError,
  live,
  readAll,
} from '../test-support/fixture.js';
import plugin from './index.js';

describe('files source: scale, changes and bad input', () => {
  let fx: Fixture;
  beforeEach(async () => {
    fx = await fixture();
  });
  afterEach(() => fx.remove());

  it('lists 10k files in pages, reading the directory as it goes', async () => {
    const rows = ['file,contactNumber,channelId'];
    for (let i = 0; i < 10_000; i++) {
      await writeFile(path.join(fx.dir, `f${i}.pdf`), '');
      if (i % 2 === 0) rows.push(`f${i}.pdf,${i},c`);
    }
    const manifest = await fx.manifest('m.csv', `${rows.join('\n')}\n`);
    let entriesRead = 0;
    const counting = async (dir: string): Promise<Dir> => {
      const handle = await opendir(dir, { bufferSize: 32 });
      const read = handle.read.bind(handle);
      return Object.assign(handle, {
        read: async () => {
          const entry = await read();
          if (entry) entriesRead++;
          return entry;
        },
      }) as Dir;
    };
    const source = await fx.source(manifest, { pageSize: 400 }, { opendir: counting });
    const pages = source.pages(undefined, live())[Symbol.asyncIterator]();
    // The manifest's 5000 rows come first, a page at a time; the directory is not read yet.
    for (let i = 0; i < 12; i++) expect((await pages.next()).value._unsafeUnwrap().items).toHaveLength(400);
    expect(entriesRead).toBe(0);
    const mixed = (await pages.next()).value._unsafeUnwrap().items;
    expect(mixed.filter((r: { id: string }) => r.id.startsWith('refused/file/'))).toHaveLength(200);
    // The first page of unmatched files came after reading about 400 of them, not all 10k:
    // the unmatched ones are every other file, so ~400 entries give 200.
    expect(entriesRead).toBeLessThan(1000);
    let rest = 0;
    for (let next = await pages.next(); !next.done; next = await pages.next())
      rest += next.value._unsafeUnwrap().items.length;
    expect(rest).toBe(5000 - 200);
    expect(entriesRead).toBe(10_000);
  });

  it('refuses a manifest over maxRows, naming the option', async () => {
    const source = await fx.source(
      await fx.manifest('m.csv', 'file,contactNumber,channelId\na,1,c\nb,1,c\nc,1,c\n'),
      {
        maxRows: 2,
        pageSize: 1,
      },
    );
    const results = [];
    for await (const page of source.pages(undefined, live())) results.push(page);
    expect(results.slice(0, 2).every((r) => r.isOk())).toBe(true);
    expect(results[2]!._unsafeUnwrapErr()).toEqual({
      _tag: 'InvalidInput',
      message: 'manifest m.csv has more than 2 rows (line 4): split it, or raise maxRows',
      path: 'maxRows',
    });
    expect(results).toHaveLength(3);
  });

  it('fails the listing for a manifest it cannot read, with the line and what to do', async () => {
    const cases: [string, string, string][] = [
      [
        'a.csv',
        'file,contact,channelId\n',
        'manifest a.csv: line 1: unknown column "contact"; the columns are file, contactNumber, threadId, channelId, friendlyName, text, tags, time',
      ],
      [
        'b.csv',
        'file,Channel_Id,contactNumber\n',
        'manifest b.csv: line 1: unknown column "Channel_Id" (did you mean "channelId"?); the columns are file, contactNumber, threadId, channelId, friendlyName, text, tags, time',
      ],
      ['c.csv', 'file,contactNumber\n', 'manifest c.csv: the header has no "channelId" column (line 1)'],
      [
        'd.csv',
        'file,channelId\n',
        'manifest d.csv: the header has neither a "contactNumber" nor a "threadId" column (line 1)',
      ],
      [
        'e.csv',
        'file,contactNumber,channelId\na.pdf,1,c\n"b.pdf,1,c\n',
        'manifest e.csv: line 3: a quoted field is never closed',
      ],
      ['f.csv', '', 'manifest f.csv: the manifest is empty: a CSV manifest starts with a header row'],
      [
        'g.jsonl',
        `{"file":"${'x'.repeat(70_000)}"}\n`,
        'manifest g.jsonl: line 1: the line is longer than 65536 bytes',
      ],
    ];
    for (const [name, content, message] of cases) {
      const source = await fx.source(await fx.manifest(name, content));
      expect(await listError(source)).toEqual({ _tag: 'InvalidInput', message, path: 'manifest' });
    }
  });

  it('refuses missing places and an unknown manifest format when created', async () => {
    const context: PluginContext = {
      tenant: 't',
      baseDir: fx.base,
      label: 'source',
      logger: silentLogger,
      now: () => new Date(),
      budget: () => {
        throw new Error('no budgets');
      },
      jobs: memoryJobStore(),
    };
    const create = (config: Record<string, unknown>) => plugin.create(config as never, context);
    expect((await create({ directory: 'files', manifest: 'm.xlsx' }))._unsafeUnwrapErr()).toEqual({
      _tag: 'InvalidInput',
      message:
        'manifest "m.xlsx" is neither CSV (.csv) nor JSON Lines (.jsonl, .ndjson): the format is told by the extension',
      path: 'manifest',
    });
    expect((await create({ directory: 'files', manifest: 'none.csv' }))._unsafeUnwrapErr()).toMatchObject({
      _tag: 'InvalidInput',
      message: `manifest ${path.join(fx.base, 'none.csv')} does not exist`,
      path: 'manifest',
    });
    await fx.manifest('m.csv', 'file,contactNumber,channelId\n');
    expect((await create({ directory: 'nowhere', manifest: 'm.csv' }))._unsafeUnwrapErr()).toMatchObject({
      _tag: 'InvalidInput',
      path: 'directory',
    });
    expect((await create({ directory: 'files', manifest: 'm.csv' })).isOk()).toBe(true);
    expect(plugin).toMatchObject({ kind: 'source', name: 'files', apiVersion: 2 });
  });

  it('fails a file that changed between fetch and open, and one that grows while it is read', async () => {
    await fx.file('a.pdf', 'AAAA');
    await fx.file('b.pdf', 'BBBB');
    await fx.file('c.pdf', 'C'.repeat(256 * 1024));
    const source = await fx.source(
      await fx.manifest('m.csv', 'file,contactNumber,channelId\na.pdf,1,c\nb.pdf,1,c\nc.pdf,1,c\n'),
    );
    const { refs } = await listAll(source);
    const [a, b, c] = await Promise.all(refs.map((ref) => fetchOk(source, ref)));

    await appendFile(path.join(fx.dir, 'a.pdf'), 'more');
    expect((await a!.artifacts[0]!.open(live()))._unsafeUnwrapErr()).toEqual({
      _tag: 'Permanent',
      message:
        'file "a.pdf" changed after it was fetched (4 bytes then, 8 now): a file is attached exactly as fetched or not at all; the next run fetches it again',
    });
    // Fetched again (as the next run does), it is the new file.
    expect((await fetchOk(source, refs[0]!)).artifacts[0]!.size).toBe(8);

    await writeFile(path.join(fx.dir, 'b.pdf'), 'bbbb');
    await utimes(path.join(fx.dir, 'b.pdf'), new Date(), new Date(Date.now() + 5000));
    expect((await b!.artifacts[0]!.open(live()))._unsafeUnwrapErr()).toMatchObject({
      _tag: 'Permanent',
      message: expect.stringContaining('(modified)'),
    });

    const stream = (await c!.artifacts[0]!.open(live()))._unsafeUnwrap();
    await appendFile(path.join(fx.dir, 'c.pdf'), 'grown');
    const failure = await readAll(stream).then(
      () => undefined,
      (cause: unknown) => cause,
    );
    expect(isPluginFailure(failure)).toBe(true);
    expect((failure as { error: { _tag: string; message: string } }).error).toMatchObject({
      _tag: 'Permanent',
      message: expect.stringContaining(`more than ${256 * 1024} bytes`),
    });
  });

  it('finds a row again after the manifest was edited, and says when it is gone', async () => {
    await fx.file('a.pdf', 'A');
    await fx.file('b.pdf', 'B');
    const source = await fx.source(
      await fx.manifest('m.csv', 'file,contactNumber,channelId,text\na.pdf,1,c,first\nb.pdf,2,c,second\n'),
    );
    const { refs } = await listAll(source);
    await writeFile(
      path.join(fx.base, 'm.csv'),
      'file,contactNumber,channelId,text\n"new.pdf",9,c,"a long inserted row, spanning\ntwo lines"\nb.pdf,2,c,second (edited)\n',
    );
    expect((await fetchOk(source, refs[1]!)).record.message).toEqual({ text: 'second (edited)' });
    expect(await fetchErr(source, refs[0]!)).toEqual({
      _tag: 'NotFound',
      message:
        'manifest m.csv has no row for file "a.pdf" of item c/contact-1/a.pdf any more (it changed since the item was listed)',
    });
  });

  it('honours cancellation: fetch, open and a stream being read', async () => {
    await fx.file('a.pdf', 'A'.repeat(1024 * 1024));
    const source = await fx.source(await fx.manifest('m.csv', 'file,contactNumber,channelId\na.pdf,1,c\n'));
    const { refs } = await listAll(source);
    const aborted = AbortSignal.abort();
    expect((await source.fetch(refs[0]!, aborted))._unsafeUnwrapErr()._tag).toBe('Transient');
    const item = await fetchOk(source, refs[0]!);
    expect((await item.artifacts[0]!.open(aborted))._unsafeUnwrapErr()._tag).toBe('Transient');
    const controller = new AbortController();
    const stream = (await item.artifacts[0]!.open(controller.signal))._unsafeUnwrap();
    controller.abort();
    const failure = await readAll(stream).then(
      () => undefined,
      (cause: unknown) => cause,
    );
    expect(isPluginFailure(failure) && failure.error).toMatchObject({
      _tag: 'Transient',
      message: 'reading file "a.pdf" was cancelled',
    });
    // A listing whose signal aborts stops.
    const pages = [];
    for await (const page of source.pages(undefined, aborted)) pages.push(page);
    expect(pages).toEqual([]);
  });
});
