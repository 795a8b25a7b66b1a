import { randomBytes } from 'node:crypto';
import { symlink, unlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  byId,
  type Fixture,
  fetchErr,
  fetchOk,
  fixture,
  listAll,
  live,
  readAll,
} from '../test-support/fixture.js';

describe('files source: listing and fetching', () => {
  let fx: Fixture;
  beforeEach(async () => {
    fx = await fixture();
  });
  afterEach(() => fx.remove());

  it('lists a CSV manifest (BOM, CRLF, quoted commas and line ends) into attachment items', async () => {
    await fx.file('invoices/inv 1.pdf', 'PDF-1');
    await fx.file('photo.png', 'PNG');
    const manifest = await fx.manifest(
      'manifest.csv',
      '\uFEFFfile,contactNumber,threadId,channelId,friendlyName,text,tags,time\r\n' +
        '"invoices/inv 1.pdf",1001,,chat_1,"Invoice, November","Hello,\r\nhere is ""your"" invoice",billing;vip,2026-11-30T09:00:00Z\r\n' +
        'photo.png,,th-77,email_2,,,,\r\n',
    );
    const source = await fx.source(manifest);
    const { refs } = await listAll(source);
    expect(refs.map((r) => r.id)).toEqual([
      'chat_1/contact-1001/invoices/inv%201.pdf',
      'email_2/thread-th-77/photo.png',
    ]);
    // The ref holds where the row is, never its text.
    expect(JSON.stringify(refs)).not.toMatch(/Hello|billing|Invoice/);

    const invoice = await fetchOk(source, refs[0]!);
    expect(invoice.record).toEqual({
      target: { contactNumber: '1001', channelId: 'chat_1' },
      file: { name: 'inv 1.pdf', size: 5, path: 'invoices/inv 1.pdf' },
      message: { text: 'Hello,\r\nhere is "your" invoice', tags: ['billing', 'vip'] },
      friendlyName: 'Invoice, November',
    });
    expect(invoice.occurredAt.toISOString()).toBe('2026-11-30T09:00:00.000Z');
    expect(invoice.artifacts.map((a) => [a.name, a.size])).toEqual([['file', 5]]);

    await utimes(
      path.join(fx.dir, 'photo.png'),
      new Date('2026-10-01T00:00:00Z'),
      new Date('2026-10-02T03:04:05Z'),
    );
    const photo = await fetchOk(source, refs[1]!);
    expect(photo.record).toEqual({
      target: { threadId: 'th-77', channelId: 'email_2' },
      file: { name: 'photo.png', size: 3, path: 'photo.png' },
      friendlyName: 'photo.png',
    });
    expect(photo.occurredAt.toISOString()).toBe('2026-10-02T03:04:05.000Z'); // no time column: the mtime
  });

  it('lists a JSON Lines manifest (BOM, CRLF, blank lines, tags as an array, a numeric contact)', async () => {
    await fx.file('a.pdf', 'A');
    await fx.file('b.wav', 'B');
    const manifest = await fx.manifest(
      'manifest.jsonl',
      '\uFEFF{"file":"a.pdf","contactNumber":42,"channelId":"chat_1","text":"line\\nbreak, comma","tags":["x","y"]}\r\n' +
        '\r\n' +
        '{"file":"b.wav","threadId":"t-1","channelId":"chat_1","friendlyName":"Call back"}\n',
    );
    const source = await fx.source(manifest);
    const { refs } = await listAll(source);
    expect(refs.map((r) => r.id)).toEqual(['chat_1/contact-42/a.pdf', 'chat_1/thread-t-1/b.wav']);
    expect((await fetchOk(source, refs[0]!)).record.message).toEqual({
      text: 'line\nbreak, comma',
      tags: ['x', 'y'],
    });
    expect((await fetchOk(source, refs[1]!)).record.friendlyName).toBe('Call back');
  });

  it('streams the exact bytes, lazily, from byte 0 on every open', async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    await fx.file('big.wav', bytes);
    const source = await fx.source(await fx.manifest('m.csv', 'file,contactNumber,channelId\nbig.wav,1,c\n'));
    const { refs } = await listAll(source);
    const item = await fetchOk(source, refs[0]!);
    const artifact = item.artifacts[0]!;
    expect(artifact.size).toBe(bytes.length);
    expect((await readAll((await artifact.open(live()))._unsafeUnwrap())).equals(bytes)).toBe(true);
    expect((await readAll((await artifact.open(live()))._unsafeUnwrap())).equals(bytes)).toBe(true);
    // Nothing was read at fetch: a file gone before open is found missing only then.
    await unlink(path.join(fx.dir, 'big.wav'));
    expect((await artifact.open(live()))._unsafeUnwrapErr()).toMatchObject({
      _tag: 'NotFound',
      message: 'file "big.wav" is no longer in the directory',
    });
  });

  it('gives the same ids on every run and a different one for each contact a file goes to', async () => {
    await fx.file('form.pdf', 'F');
    const manifest = await fx.manifest(
      'm.csv',
      'file,contactNumber,threadId,channelId\nform.pdf,1,,c\nform.pdf,2,,c\nform.pdf,,1,c\nform.pdf,1,,d\nform.pdf,1,,c\n',
    );
    const first = (await listAll(await fx.source(manifest))).refs.map((r) => r.id);
    const second = (await listAll(await fx.source(manifest))).refs.map((r) => r.id);
    expect(first).toEqual(second);
    // The repeated row is one item.
    expect(first).toEqual([
      'c/contact-1/form.pdf',
      'c/contact-2/form.pdf',
      'c/thread-1/form.pdf',
      'd/contact-1/form.pdf',
    ]);
  });

  it('refuses a file without a manifest row, at fetch, with a reason (never guessed)', async () => {
    await fx.file('named.pdf', 'N');
    await fx.file('sub/stray.pdf', 'S');
    const manifest = await fx.manifest('m.csv', 'file,contactNumber,channelId\nnamed.pdf,1,c\n');
    const source = await fx.source(manifest);
    const { refs } = await listAll(source);
    expect(refs.map((r) => r.id).sort()).toEqual(['c/contact-1/named.pdf', 'refused/file/sub/stray.pdf']);
    expect(await fetchErr(source, byId(refs, 'refused/file/sub/stray.pdf'))).toEqual({
      _tag: 'InvalidInput',
      message:
        'no manifest row for file "sub/stray.pdf": add a row naming it (with its contact and channel) to m.csv, or remove it from the directory; a file without a row is never guessed',
    });
    // Fixed later (a row added): the refusal, fetched again from the ledger, says it is superseded.
    await writeFile(
      path.join(fx.base, 'm.csv'),
      'file,contactNumber,channelId\nnamed.pdf,1,c\nsub/stray.pdf,2,c\n',
    );
    expect((await fetchErr(source, byId(refs, 'refused/file/sub/stray.pdf'))).message).toMatch(
      /line 3 names it now, so it is listed under that row: this refusal \(refused\/file\/sub\/stray.pdf\) is superseded/,
    );
    const relisted = (await listAll(source)).refs.map((r) => r.id);
    expect(relisted).toEqual(['c/contact-1/named.pdf', 'c/contact-2/sub/stray.pdf']);
    // Removed instead: NotFound.
    await writeFile(path.join(fx.base, 'm.csv'), 'file,contactNumber,channelId\nnamed.pdf,1,c\n');
    await unlink(path.join(fx.dir, 'sub/stray.pdf'));
    expect(await fetchErr(source, byId(refs, 'refused/file/sub/stray.pdf'))).toMatchObject({
      _tag: 'NotFound',
    });
  });

  it('fails a row whose file is missing with NotFound and the manifest line', async () => {
    const source = await fx.source(
      await fx.manifest('m.csv', 'file,contactNumber,channelId\n\nghost.pdf,1,c\n'),
    );
    const { refs } = await listAll(source);
    expect(await fetchErr(source, refs[0]!)).toEqual({
      _tag: 'NotFound',
      message: 'manifest m.csv line 3: file "ghost.pdf" is not in the directory',
    });
  });

  it('refuses invalid rows as items, each with its line and what is wrong', async () => {
    await fx.file('ok.pdf', 'O');
    await fx.file('both.pdf', 'B');
    const manifest = await fx.manifest(
      'm.csv',
      'file,contactNumber,threadId,channelId,tags\n' +
        'ok.pdf,1,,c,\n' +
        'both.pdf,1,t,c,\n' + // line 3
        ',1,,c,\n' + // line 4: no file
        '../outside.pdf,1,,c,\n' + // line 5
        '"multi\nline.pdf",1,,c,\n' + // line 6, spans two lines
        'ok.pdf,1,,,\n' + // line 8: empty channel
        'ok.pdf,1,,c,a;;b\n' + // line 9
        'ok.pdf,1,,c\n', // line 10: a field short
    );
    const source = await fx.source(manifest);
    const { refs } = await listAll(source);
    expect(refs.map((r) => r.id)[0]).toBe('c/contact-1/ok.pdf');
    // both.pdf is named by its (refused) row, so it is not refused a second time as unmatched.
    expect(refs.filter((r) => r.id.startsWith('refused/file/'))).toEqual([]);
    const reasons = [];
    for (const ref of refs.slice(1)) {
      const error = await fetchErr(source, ref);
      expect(error._tag).toBe('InvalidInput');
      reasons.push(error.message);
    }
    expect(reasons).toEqual([
      'manifest m.csv line 3: the row has both a contactNumber and a threadId: give exactly one; the row is refused',
      'manifest m.csv line 4: the row has no file; the row is refused',
      'manifest m.csv line 5: the file path leaves the directory (".."); the row is refused',
      'manifest m.csv line 6: the file path has a control character; the row is refused',
      'manifest m.csv line 8: the row has no channelId; the row is refused',
      'manifest m.csv line 9: tag 2 is empty (tags are separated by ";"); the row is refused',
      'manifest m.csv line 10: the row has 4 fields, the header 5; the row is refused',
    ]);
    // Ids of refused rows stay the same when lines move; the reason follows the row.
    await writeFile(
      path.join(fx.base, 'm.csv'),
      `file,contactNumber,threadId,channelId,tags\n\n\n${'both.pdf,1,t,c,\n'}`,
    );
    expect((await fetchErr(source, refs[1]!)).message).toBe(
      'manifest m.csv line 4: the row has both a contactNumber and a threadId: give exactly one; the row is refused',
    );
    expect((await listAll(source)).refs.map((r) => r.id)).toEqual([refs[1]!.id, 'refused/file/ok.pdf']);
    // Fixed: superseded.
    await writeFile(
      path.join(fx.base, 'm.csv'),
      'file,contactNumber,threadId,channelId,tags\nboth.pdf,1,,c,\n',
    );
    expect((await fetchErr(source, refs[1]!)).message).toMatch(
      /no longer in the manifest \(fixed or removed\): this refusal is superseded/,
    );
  });

  it('refuses JSON Lines rows that are not JSON objects or have unknown keys, by line', async () => {
    const manifest = await fx.manifest(
      'm.jsonl',
      '{"file":"a.pdf","contactNumber":"1","channelId":"c"}\nnot json\n[1]\n{"file":"a.pdf","contactNumber":"1","channelID":"c"}\n{"file":"a.pdf","contactNumber":"1","channelId":"c","tags":"x;y"}\n',
    );
    await fx.file('a.pdf', 'A');
    const source = await fx.source(manifest);
    const { refs } = await listAll(source);
    const messages = [];
    for (const ref of refs.slice(1)) messages.push((await fetchErr(source, ref)).message);
    expect(messages[0]).toMatch(/^manifest m.jsonl line 2: the line is not valid JSON/);
    expect(messages.slice(1)).toEqual([
      'manifest m.jsonl line 3: the line is not a JSON object; the row is refused',
      'manifest m.jsonl line 4: unknown column "channelID" (did you mean "channelId"?); the columns are file, contactNumber, threadId, channelId, friendlyName, text, tags, time; the row is refused',
      'manifest m.jsonl line 5: tags is not an array of strings; the row is refused',
    ]);
  });

  it('refuses a symbolic link that leads out of the directory, and follows one that stays inside', async () => {
    const secret = path.join(fx.base, 'secret.txt');
    await writeFile(secret, 'outside');
    await symlink(secret, path.join(fx.dir, 'escape.pdf'));
    await fx.file('real/inside.pdf', 'INSIDE');
    await symlink(path.join(fx.dir, 'real'), path.join(fx.dir, 'alias'));
    const source = await fx.source(
      await fx.manifest(
        'm.csv',
        'file,contactNumber,channelId\nescape.pdf,1,c\nalias/inside.pdf,1,c\nreal/inside.pdf,1,c\n',
      ),
    );
    const { refs } = await listAll(source);
    expect(await fetchErr(source, byId(refs, 'c/contact-1/escape.pdf'))).toEqual({
      _tag: 'InvalidInput',
      message:
        'manifest m.csv line 2: file "escape.pdf" is a symbolic link that leads out of the directory: refused',
    });
    const inside = await fetchOk(source, byId(refs, 'c/contact-1/alias/inside.pdf'));
    expect((await readAll((await inside.artifacts[0]!.open(live()))._unsafeUnwrap())).toString()).toBe(
      'INSIDE',
    );
    // The directory symlink itself is an entry no row names: refused, never followed.
    expect(refs.map((r) => r.id)).toContain('refused/file/alias');
  });

  it('leaves the manifest out of the listing when it lies in the directory', async () => {
    await fx.file('a.pdf', 'A');
    await writeFile(path.join(fx.dir, 'manifest.csv'), 'file,contactNumber,channelId\na.pdf,1,c\n');
    const source = await fx.source('files/manifest.csv');
    expect((await listAll(source)).refs.map((r) => r.id)).toEqual(['c/contact-1/a.pdf']);
  });
});
