/**
 * JSON serialised ahead of the reply, carried inside a reply body: `Reply.json` (reply.ts) copies
 * the bytes of a `rawJsonArray` into the payload as they are, so a listing page of thousands of
 * records is one copy of cached texts instead of one `JSON.stringify` of thousands of objects.
 * Anything else that serialises such a body (a test, a fault's rewrite) still gets the same JSON:
 * each element parses its text back in `toJSON`.
 */
export class RawJson {
  /** The UTF-8 bytes of one JSON value. */
  readonly bytes: Buffer;

  constructor(bytes: Buffer) {
    this.bytes = bytes;
  }

  toJSON(): unknown {
    return JSON.parse(this.bytes.toString('utf8'));
  }
}

const rawArrays = new WeakSet<readonly RawJson[]>();

/** An array (a real one: `Array.isArray` holds) of pre-serialised JSON values. */
export function rawJsonArray(values: readonly Buffer[]): readonly RawJson[] {
  const array = values.map((bytes) => new RawJson(bytes));
  rawArrays.add(array);
  return array;
}

function isRawArray(value: unknown): value is readonly RawJson[] {
  return typeof value === 'object' && value !== null && rawArrays.has(value as readonly RawJson[]);
}

/** The UTF-8 bytes of JSON text: a plain copy when it is all ASCII (JSON text almost always is). */
export function jsonBytes(text: string): Buffer {
  return Buffer.byteLength(text) === text.length ? Buffer.from(text, 'latin1') : Buffer.from(text);
}

const COMMA = Buffer.from(',');

/**
 * `JSON.stringify(body)` as UTF-8 bytes, with the values of any `rawJsonArray` among the top-level
 * values of an object body copied in as they are.
 */
export function serialiseBody(body: unknown): Buffer {
  if (
    typeof body !== 'object' ||
    body === null ||
    Array.isArray(body) ||
    !Object.values(body).some(isRawArray)
  )
    return jsonBytes(JSON.stringify(body));
  const chunks: Buffer[] = [];
  let text = '{';
  let first = true;
  for (const [key, value] of Object.entries(body)) {
    if (isRawArray(value)) {
      chunks.push(jsonBytes(`${text}${first ? '' : ','}${JSON.stringify(key)}:[`));
      value.forEach((raw, index) => {
        if (index > 0) chunks.push(COMMA);
        chunks.push(raw.bytes);
      });
      text = ']';
      first = false;
      continue;
    }
    const json = JSON.stringify(value);
    if (json === undefined) continue;
    text += `${first ? '' : ','}${JSON.stringify(key)}:${json}`;
    first = false;
  }
  chunks.push(jsonBytes(`${text}}`));
  return Buffer.concat(chunks);
}
