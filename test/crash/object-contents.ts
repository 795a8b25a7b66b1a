// What an archived object holds, read back through the codec the runs used: the identity codec
// stores the plaintext; gzip-aes is decoded with the tenant's key file under the object's full
// expected context (so an object moved to another key, or not ours, fails).
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import path from 'node:path';
import { createCodec, resolveOptions } from '@cxarchive/codec-gzip-aes';
import type { Codec, CodecContext } from '@cxarchive/core';
import { TENANT } from './ledger-rows.js';

export type CodecName = 'identity' | 'gzip-aes';

/** The key file of a tenant directory (created by the child on its first run). */
export const keyFileOf = (dir: string): string => path.join(dir, 'kek.key');

export const EXTENSIONS: Readonly<Record<CodecName, string>> = { identity: '.bin', 'gzip-aes': '.cxar' };

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  'record.json': 'application/json',
  'notes.txt': 'text/plain',
  'recording.wav': 'audio/wav',
  'records.jsonl': 'application/x-ndjson',
};

/** A batch object's key (the batch layout): `acme/records/2026/03/01/<batchId>.jsonl.bin`. */
export const isBatchKey = (key: string): boolean => key.startsWith(`${TENANT}/records/`);

/**
 * `acme/2026/03/26/c03/notes.txt.cxar` → item `c03`, artifact `notes.txt`; a batch object's key →
 * item `#batch:<batchId>`, artifact `records.jsonl` (as the runtime records and encodes it).
 */
export const unitOfKey = (key: string): { itemId: string; artifact: string } => {
  const parts = key.split('/');
  if (isBatchKey(key))
    return {
      itemId: `#batch:${(parts[5] ?? '').replace(/\.jsonl\.(bin|cxar)$/, '')}`,
      artifact: 'records.jsonl',
    };
  return { itemId: parts[4] ?? '', artifact: (parts[5] ?? '').replace(/\.(bin|cxar)$/, '') };
};

const codecs = new Map<string, Promise<Codec>>();

/** The gzip-aes codec with the tenant's key file (loaded once per directory). */
const gzipAesFor = (dir: string): Promise<Codec> => {
  const cached = codecs.get(dir);
  if (cached) return cached;
  const options = resolveOptions({ key: { provider: 'file', path: keyFileOf(dir) } });
  if (options.isErr()) throw new Error(options.error.message);
  const made = Promise.resolve(createCodec(options.value, dir)).then((r) => {
    if (r.isErr()) throw new Error(r.error.message);
    return r.value;
  });
  codecs.set(dir, made);
  return made;
};

/** The decoded bytes of the object at `file` (stored under `key`): their SHA-256 and length. */
export const plaintextOf = async (
  name: CodecName,
  dir: string,
  key: string,
  file: string,
): Promise<{ sha256: string; bytes: Buffer }> => {
  if (name === 'identity') {
    const bytes = readFileSync(file);
    return { sha256: createHash('sha256').update(bytes).digest('hex'), bytes };
  }
  const codec = await gzipAesFor(dir);
  const { itemId, artifact } = unitOfKey(key);
  const context: CodecContext = {
    tenant: TENANT,
    objectKey: key,
    itemId,
    artifact,
    ...(CONTENT_TYPES[artifact] ? { contentType: CONTENT_TYPES[artifact] } : {}),
  };
  const decoded = await codec.decode(createReadStream(file), context, new AbortController().signal);
  if (decoded.isErr()) throw new Error(`${key}: ${decoded.error.message}`);
  const chunks: Buffer[] = [];
  for await (const chunk of decoded.value) chunks.push(chunk as Buffer);
  const bytes = Buffer.concat(chunks);
  return { sha256: createHash('sha256').update(bytes).digest('hex'), bytes };
};
