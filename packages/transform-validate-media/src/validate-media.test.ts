import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import {
  errAsync,
  type Item,
  okAsync,
  type PluginError,
  PluginErrors,
  PluginFailure,
  type ResultAsync,
} from '@cxarchive/core';
import { collect, failingStream, stallingStream } from '@cxarchive/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { attachItem, countingStream, fileItem, sha256 } from '../test-support/items.js';
import * as media from '../test-support/media.js';
import { DEFAULT_MAX_BYTES, type Validation, validateMediaOf } from './index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'validate-media-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The transform as validate-media makes it: it never drops an item (it refuses bad ones). */
const transform = (options: Parameters<typeof validateMediaOf>[0] = {}) =>
  validateMediaOf(options)._unsafeUnwrap() as {
    apply(item: Item, signal: AbortSignal): ResultAsync<Item | null, PluginError>;
  };

/** Writes `bytes` to a real file named `fileName` and validates the item that points at it. */
const validate = async (fileName: string, bytes: Buffer, options = {}, declaredSize?: number) => {
  const file = path.join(dir, `${Math.random().toString(36).slice(2)}-${fileName}`);
  await writeFile(file, bytes);
  return transform(options).apply(fileItem(file, fileName, declaredSize), new AbortController().signal);
};

const refusal = async (result: ReturnType<typeof validate>): Promise<PluginError> => {
  const outcome = await result;
  if (outcome.isOk()) throw new Error(`expected a refusal, got ${JSON.stringify(outcome.value?.record)}`);
  return outcome.error;
};

const validationOf = (item: Item | null): Validation => item?.record.validation as unknown as Validation;

describe('clean files of each allowed type', () => {
  const cases: [string, () => Buffer, string, string][] = [
    ['form.pdf', () => media.pdf(), 'application/pdf', 'pdf'],
    ['photo.png', media.png, 'image/png', 'png'],
    ['photo.jpg', () => media.committed('tiny.jpg'), 'image/jpeg', 'jpg'],
    ['PHOTO.JPEG', () => media.committed('tiny.jpg'), 'image/jpeg', 'jpg'],
    ['anim.gif', media.gif, 'image/gif', 'gif'],
    ['callback.wav', () => media.wav(), 'audio/wav', 'wav'],
    ['callback.mp3', () => media.committed('tiny.mp3'), 'audio/mpeg', 'mp3'],
    ['callback.ogg', () => media.committed('tiny.ogg'), 'audio/ogg', 'ogg'],
    [
      'invoice.docx',
      media.docx,
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      'docx',
    ],
    ['legacy.doc', media.cfb, 'application/msword', 'doc'],
  ];
  test.each(cases)(
    '%s is accepted with its type, size and SHA-256',
    async (name, make, mimeType, extension) => {
      const bytes = make();
      const item = (await validate(name, bytes))._unsafeUnwrap();
      expect(validationOf(item)).toEqual({ mimeType, extension, size: bytes.length, sha256: sha256(bytes) });
      // The rest of the record is kept as the source made it.
      expect(item?.record.target).toEqual({ contactNumber: '1000123', channelId: 'chat_9f2c' });
      expect(item?.record.message).toEqual({ text: 'Your document', tags: ['billing'] });
      // The artifact now says what it is, and still reads the same bytes.
      const artifact = item!.artifacts.find((a) => a.name === 'file')!;
      expect(artifact.contentType).toBe(mimeType);
      expect(artifact.size).toBe(bytes.length);
      const again = await collect((await artifact.open(new AbortController().signal))._unsafeUnwrap());
      expect(Buffer.compare(again, bytes)).toBe(0);
    },
  );

  test('a docx whose [Content_Types].xml comes after its word/ entries is still a docx', async () => {
    const late = media.zip([
      { name: 'word/document.xml', data: Buffer.from('<w:document/>') },
      { name: '_rels/.rels', data: Buffer.from('<Relationships/>') },
      {
        name: '[Content_Types].xml',
        data: Buffer.from(
          '<Types><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        ),
      },
    ]);
    expect(validationOf((await validate('late.docx', late))._unsafeUnwrap()).extension).toBe('docx');
  });
});

describe('refusals name their cause', () => {
  test('an executable named .pdf is a MIME mismatch naming both types', async () => {
    const error = await refusal(validate('invoice.pdf', media.exe()));
    expect(error._tag).toBe('InvalidInput');
    expect(error.message).toBe(
      'MIME mismatch: "invoice.pdf" is named .pdf (application/pdf) but its bytes are application/x-msdownload (exe)',
    );
  });

  test('a real ELF executable named .pdf is a MIME mismatch', async () => {
    const error = await refusal(validate('statement.pdf', media.elf()));
    expect(error.message).toMatch(
      /^MIME mismatch: .*\.pdf \(application\/pdf\) but its bytes are application\/x-elf/,
    );
  });

  test.each([
    ['photo.jpg', media.png, /named \.jpg \(image\/jpeg\) but its bytes are image\/png \(png\)/],
    [
      'letter.doc',
      media.docx,
      /named \.doc \(application\/msword\) but its bytes are .*wordprocessingml.* \(docx\)/,
    ],
    ['letter.docx', media.plainZip, /named \.docx .* but its bytes are application\/zip \(zip\)/],
    ['scan', () => media.pdf(), /"scan" has no extension but its bytes are application\/pdf \(pdf\)/],
    ['form.bin', () => media.pdf(), /named \.bin but its bytes are application\/pdf/],
    [
      'form.pdf',
      () => Buffer.from('just some text\n'),
      /named \.pdf \(application\/pdf\) but its bytes are of no type/,
    ],
  ])('%s: MIME mismatch', async (name, make, pattern) => {
    const error = await refusal(validate(name, make()));
    expect(error._tag).toBe('InvalidInput');
    expect(error.message).toMatch(/^MIME mismatch: /);
    expect(error.message).toMatch(pattern);
  });

  test('a type outside the allowed matrix is refused as not allowed, listing what is', async () => {
    const xls = await refusal(validate('sheet.xls', media.cfb()));
    expect(xls.message).toBe(
      'type not allowed: application/vnd.ms-excel (.xls); allowed: wav, mp3, ogg, png, jpeg, gif, pdf, doc, docx',
    );
    const exe = await refusal(validate('setup.exe', media.exe()));
    expect(exe.message).toMatch(/^type not allowed: application\/x-msdownload \(\.exe\)/);
    // The matrix is configurable: images only refuses a PDF.
    const images = await refusal(validate('form.pdf', media.pdf(), { allow: ['png', 'jpg'] }));
    expect(images.message).toBe('type not allowed: application/pdf (.pdf); allowed: png, jpeg');
  });

  test('an empty file is refused', async () => {
    const error = await refusal(validate('blank.pdf', Buffer.alloc(0)));
    expect(error).toMatchObject({ _tag: 'InvalidInput', message: 'empty file' });
  });

  test('plain text is refused unless allowed, and then only when it is text', async () => {
    const text = Buffer.from('Reference: 2026-11-30\nAmount: 12,40 €\n');
    const refused = await refusal(validate('note.txt', text));
    expect(refused.message).toMatch(/^type not allowed: text\/plain \(\.txt\)/);
    const allowed = (await validate('note.txt', text, { allow: ['pdf', 'txt'] }))._unsafeUnwrap();
    expect(validationOf(allowed)).toMatchObject({
      mimeType: 'text/plain',
      extension: 'txt',
      size: text.length,
    });
    const binary = Buffer.concat([text, Buffer.from([0, 1, 2, 0xff])]);
    const fake = await refusal(validate('note.txt', binary, { allow: ['txt'] }));
    expect(fake.message).toBe(
      'MIME mismatch: "note.txt" is named .txt (text/plain) but its bytes are not UTF-8 text',
    );
    const unknown = await refusal(validate('data.xyz', binary));
    expect(unknown.message).toMatch(
      /^type not allowed: "data.xyz" is named \.xyz and its bytes are of no type/,
    );
  });
});

describe('the name the customer sees', () => {
  const withFriendlyName = async (fileName: string, bytes: Buffer, friendlyName: string) => {
    const file = path.join(dir, `${Math.random().toString(36).slice(2)}-${fileName}`);
    await writeFile(file, bytes);
    const item = fileItem(file, fileName);
    return transform().apply(
      { ...item, record: { ...item.record, friendlyName } },
      new AbortController().signal,
    );
  };

  test('a friendly name with another extension than the bytes is a MIME mismatch', async () => {
    const error = (await withFriendlyName('form.pdf', media.pdf(), 'photo.png'))._unsafeUnwrapErr();
    expect(error.message).toBe(
      'MIME mismatch: "photo.png" is named .png (image/png) but its bytes are application/pdf (pdf) (record.friendlyName, the name the customer sees)',
    );
  });

  test('a friendly name without an extension, or with the same type, is fine', async () => {
    expect((await withFriendlyName('form.pdf', media.pdf(), 'Invoice Nov. 2026')).isOk()).toBe(true);
    expect((await withFriendlyName('form.pdf', media.pdf(), 'Invoice-2026-11.PDF')).isOk()).toBe(true);
  });
});

describe('size cap', () => {
  test('the default cap is 25 MiB', () => {
    expect(DEFAULT_MAX_BYTES).toBe(26_214_400);
  });

  test('a file of exactly the cap passes; one byte more is refused, naming the cap', async () => {
    const exact = media.pdf('x', 3000);
    const cap = exact.length;
    expect((await validate('a.pdf', exact, { maxBytes: cap })).isOk()).toBe(true);
    const over = media.pdf('x', 3001);
    const error = await refusal(validate('a.pdf', over, { maxBytes: cap }));
    expect(error).toMatchObject({ _tag: 'InvalidInput' });
    expect(error.message).toBe(`too large: more than ${cap} bytes (cap 3.5 KiB)`);
  });

  test('a declared size over the cap is refused without opening the file', async () => {
    let opened = 0;
    const item = attachItem(
      'huge.wav',
      () => {
        opened++;
        return okAsync(Readable.from([media.wav()]));
      },
      200 * 1024 * 1024,
    );
    const error = (await transform().apply(item, new AbortController().signal))._unsafeUnwrapErr();
    expect(error.message).toBe('too large: 200 MiB (cap 25 MiB)');
    expect(opened).toBe(0);
  });

  test('a 200 MB stream is refused after reading little more than the cap, and the stream is ended', async () => {
    const body = countingStream(200 * 1024 * 1024, media.pdf());
    const item = attachItem('big.pdf', () => okAsync(body.stream));
    const error = (await transform().apply(item, new AbortController().signal))._unsafeUnwrapErr();
    expect(error.message).toBe('too large: more than 26214400 bytes (cap 25 MiB)');
    expect(body.produced()).toBeGreaterThan(DEFAULT_MAX_BYTES);
    expect(body.produced()).toBeLessThanOrEqual(DEFAULT_MAX_BYTES + 256 * 1024);
    expect(body.destroyed()).toBe(true);
  });
});

describe('failures while reading', () => {
  test("a stream that fails mid-way fails the item with the stream's own error", async () => {
    const failure = new PluginFailure(PluginErrors.transient('connection reset by the bucket'));
    const item = attachItem('form.pdf', () => okAsync(failingStream(200_000, failure)));
    const error = (await transform().apply(item, new AbortController().signal))._unsafeUnwrapErr();
    expect(error).toMatchObject({ _tag: 'Transient', message: 'connection reset by the bucket' });
  });

  test('a plain I/O error mid-way is transient (the runtime retries)', async () => {
    const item = attachItem('form.pdf', () => okAsync(failingStream(200_000, new Error('EIO: i/o error'))));
    const error = (await transform().apply(item, new AbortController().signal))._unsafeUnwrapErr();
    expect(error._tag).toBe('Transient');
    expect(error.message).toContain('EIO: i/o error');
  });

  test('an artifact that cannot be opened passes its error on', async () => {
    const item = attachItem('gone.pdf', () => errAsync(PluginErrors.notFound('gone.pdf: no such file')));
    const error = (await transform().apply(item, new AbortController().signal))._unsafeUnwrapErr();
    expect(error).toMatchObject({ _tag: 'NotFound', message: 'gone.pdf: no such file' });
  });

  test('an abort mid-read ends the stream and fails transient', async () => {
    const body = countingStream(10 * 1024 * 1024, media.pdf());
    const controller = new AbortController();
    body.stream.on('data', () => {
      if (body.produced() > 1024 * 1024) controller.abort();
    });
    const item = attachItem('form.pdf', () => okAsync(body.stream));
    const error = (await transform().apply(item, controller.signal))._unsafeUnwrapErr();
    expect(error._tag).toBe('Transient');
    expect(body.destroyed()).toBe(true);
    expect(body.produced()).toBeLessThan(10 * 1024 * 1024);
  });

  test('an item that is no attach-flow item is refused with what is missing', async () => {
    const noFile: Item = { id: 'x', occurredAt: new Date(), record: {}, artifacts: [] };
    const error = (await transform().apply(noFile, new AbortController().signal))._unsafeUnwrapErr();
    expect(error).toMatchObject({
      _tag: 'InvalidInput',
      message: expect.stringContaining('record.file.name'),
    });
    const noArtifact: Item = { ...noFile, record: { file: { name: 'a.pdf' } } };
    const second = (await transform().apply(noArtifact, new AbortController().signal))._unsafeUnwrapErr();
    expect(second.message).toContain('"file" artifact');
  });
});

describe('what later steps read is what was validated', () => {
  test('a file changed on disk after validation fails the next read', async () => {
    const file = path.join(dir, 'changing.pdf');
    const original = media.pdf('original');
    await writeFile(file, original);
    const item = (
      await transform().apply(fileItem(file, 'changing.pdf'), new AbortController().signal)
    )._unsafeUnwrap();
    const artifact = item!.artifacts[0]!;
    await writeFile(file, media.pdf('replaced'));
    const stream = (await artifact.open(new AbortController().signal))._unsafeUnwrap();
    await expect(collect(stream)).rejects.toMatchObject({
      error: {
        _tag: 'Permanent',
        message:
          'file changed since it was validated (its SHA-256 differs): the next run validates it afresh',
      },
    });
    await writeFile(file, Buffer.concat([original, Buffer.from('appended')]));
    const longer = (await artifact.open(new AbortController().signal))._unsafeUnwrap();
    await expect(collect(longer)).rejects.toMatchObject({
      error: { _tag: 'Permanent', message: expect.stringContaining('more than the') },
    });
  });
});

describe('options', () => {
  test('an unknown type in allow is refused with its place and the nearest name', () => {
    const error = validateMediaOf({ allow: ['pdf', 'jpgg'] })._unsafeUnwrapErr();
    expect(error).toMatchObject({ _tag: 'InvalidInput', path: 'allow[1]' });
    expect(error.message).toMatch(/^unknown type "jpgg" \(did you mean "jpeg"\?\)/);
  });

  test('a type outside the catalog that file-type detects can be allowed by its extension', async () => {
    const exe = (await validate('tool.exe', media.exe(), { allow: ['exe'] }))._unsafeUnwrap();
    expect(validationOf(exe)).toMatchObject({ mimeType: 'application/x-msdownload', extension: 'exe' });
  });
});

describe('a stream that stalls', () => {
  test('an abort ends it even while no chunk comes', async () => {
    const stalled = stallingStream(100_000);
    const controller = new AbortController();
    const item = attachItem('form.pdf', () => okAsync(stalled.stream));
    const pending = transform().apply(item, controller.signal);
    await stalled.stalled;
    controller.abort();
    const error = (await pending)._unsafeUnwrapErr();
    expect(error).toMatchObject({ _tag: 'Transient', message: 'validate-media was cancelled' });
    expect(stalled.stream.destroyed).toBe(true);
  });
});
