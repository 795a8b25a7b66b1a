/** A batch object's plaintext is not the lines the batch layout writes. */
export class BatchFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BatchFormatError';
  }
}

const OPEN = Buffer.from('{"id":"', 'utf8');
const RECORD = Buffer.from(',"record":', 'utf8');
const NEWLINE = Buffer.from('\n', 'utf8');
const LF = 0x0a;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const CLOSE = 0x7d;
/** The start of a line held to read its id: ids are short; a longer head is not a record line. */
const MAX_HEAD = 64 * 1024;

type Head =
  | { readonly state: 'more' }
  | { readonly state: 'bad'; readonly why: string }
  | { readonly state: 'ok'; readonly id: string; readonly recordAt: number };

/** The item id of a line that starts `{"id":<JSON string>,"record":`, and where its record begins. */
const readHead = (head: Buffer): Head => {
  const opening = Math.min(head.length, OPEN.length);
  if (!head.subarray(0, opening).equals(OPEN.subarray(0, opening)))
    return { state: 'bad', why: 'it does not start with {"id":"' };
  if (head.length < OPEN.length) return { state: 'more' };
  let end = -1;
  for (let i = OPEN.length; i < head.length; i++) {
    const byte = head[i];
    if (byte === BACKSLASH) i++;
    else if (byte === QUOTE) {
      end = i;
      break;
    }
  }
  if (end < 0) return { state: 'more' };
  const recordAt = end + 1 + RECORD.length;
  if (head.length < recordAt) return { state: 'more' };
  if (!head.subarray(end + 1, recordAt).equals(RECORD))
    return { state: 'bad', why: 'its id is not followed by ,"record":' };
  let id: unknown;
  try {
    id = JSON.parse(head.toString('utf8', OPEN.length - 1, end + 1));
  } catch {
    return { state: 'bad', why: 'its id is not a JSON string' };
  }
  return { state: 'ok', id: id as string, recordAt };
};

/**
 * Reads the plaintext of a batch object (JSON Lines, one `{"id":…,"record":…}` per item, as the
 * batch layout writes them) one line at a time, and hands `onRecord` the record of each line whose
 * id `wanted` accepts: the bytes `JSON.stringify(record)` gave, and a newline — exactly what the
 * per-item layout stores as the item's record object (the line is `JSON.stringify({ id, record })`,
 * so the record's bytes are the line's, cut out). Only a wanted line is held (to hand it on), and
 * the first bytes of the others (to read their id): memory does not grow with the batch. `onRecord`
 * is awaited before reading on. A line that is not of that form fails with `BatchFormatError`.
 * Resolves with the number of lines.
 */
export const scanBatchLines = async (
  plaintext: AsyncIterable<unknown>,
  wanted: (id: string) => boolean,
  onRecord: (id: string, record: Buffer) => Promise<void>,
): Promise<number> => {
  let lines = 0;
  let state: 'head' | 'keep' | 'skip' = 'head';
  let head: Buffer | undefined;
  let kept: Buffer[] = [];
  let keptId = '';
  const bad = (why: string) =>
    new BatchFormatError(`line ${lines + 1} of the batch is not a record line: ${why}`);
  const finish = async () => {
    const line = kept.length === 1 ? kept[0]! : Buffer.concat(kept);
    kept = [];
    if (line.length === 0 || line[line.length - 1] !== CLOSE) throw bad('it does not end with }');
    const record = line.subarray(0, line.length - 1);
    // The whole line is JSON of `{ id, record }`, and the bytes cut out are the record's own.
    let parsed: unknown;
    try {
      parsed = JSON.parse(`{"id":${JSON.stringify(keptId)},"record":${record.toString('utf8')}}`);
    } catch {
      throw bad('its record is not JSON');
    }
    const value = (parsed as { record: unknown }).record;
    if (JSON.stringify(value) !== record.toString('utf8'))
      throw bad('its record is not as the batch layout writes it');
    await onRecord(keptId, Buffer.concat([record, NEWLINE]));
  };
  for await (const piece of plaintext) {
    const chunk = piece as Buffer;
    let at = 0;
    while (at < chunk.length) {
      const nl = chunk.indexOf(LF, at);
      const end = nl < 0 ? chunk.length : nl;
      if (state === 'skip') {
        // nothing of another item's line is kept
      } else if (state === 'keep') {
        kept.push(Buffer.from(chunk.subarray(at, end)));
      } else {
        const part = chunk.subarray(at, end);
        head = head === undefined ? Buffer.from(part) : Buffer.concat([head, part]);
        const read = readHead(head);
        if (read.state === 'bad') throw bad(read.why);
        if (read.state === 'more') {
          if (nl >= 0) throw bad(head.length === 0 ? 'it is empty' : 'it ends within its id');
          if (head.length > MAX_HEAD) throw bad(`no id within its first ${MAX_HEAD} bytes`);
        } else {
          state = wanted(read.id) ? 'keep' : 'skip';
          if (state === 'keep') {
            keptId = read.id;
            kept = [head.subarray(read.recordAt)];
          }
          head = undefined;
        }
      }
      if (nl < 0) break;
      at = nl + 1;
      if (state === 'keep') await finish();
      lines++;
      state = 'head';
      head = undefined;
    }
  }
  if (state !== 'head' || head !== undefined) throw bad('the object ends within it (no newline)');
  return lines;
};
