import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, formatIssue } from './config-error.js';
import { loadPipeline } from './load-pipeline.js';
import { MAX_SCHEMA_ISSUES } from './validate.js';

const VALID = `version: 1
tenant: acme
source:
  use: cxone
codec:
  use: gzip-aes
sinks:
  - use: fs
    with: { root: ./archive }
`;

const write = (content: string | Buffer): string => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cxarchive-hostile-'));
  const file = path.join(dir, 'archive.pipeline.yaml');
  writeFileSync(file, content);
  return file;
};

const refusal = async (file: string): Promise<ConfigError> => {
  const error = await loadPipeline({ file, env: {} }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
};

describe('hostile pipeline files', () => {
  it('refuses an alias bomb with a located ConfigError, not a ReferenceError', async () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) {
      const name = String.fromCharCode(97 + i);
      bomb.push(
        `${name}: &${name} [${Array(9)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(',')}]`,
      );
    }
    const error = await refusal(write(`${bomb.join('\n')}\n`));
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toMatchObject({ line: 2, column: 8, code: 'yaml.alias-limit' });
    expect(error.issues[0]?.message).toMatch(/aliases .* too many nodes/);
  });

  it('locates a Latin-1 byte instead of turning it into U+FFFD', async () => {
    const file = write(
      Buffer.concat([
        Buffer.from(`${VALID}state: { path: ./archiv`),
        Buffer.from([0xe9]),
        Buffer.from('.db }\n'),
      ]),
    );
    const error = await refusal(file);
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toMatchObject({ line: 10, column: 24, code: 'file.encoding' });
    expect(error.issues[0]?.message).toContain('0xe9');
    expect(error.message).not.toContain('\uFFFD');
  });

  it('locates the column of a bad byte after multi-byte characters by characters', async () => {
    const file = write(Buffer.concat([Buffer.from('tenant: "ééé'), Buffer.from([0xff]), Buffer.from('"\n')]));
    const error = await refusal(file);
    expect(error.issues[0]).toMatchObject({ line: 1, column: 13, code: 'file.encoding' });
  });

  it('reads well-formed UTF-8 with a byte order mark', async () => {
    const loaded = await loadPipeline({ file: write(`\uFEFF${VALID}`), env: {} });
    expect(loaded.config.tenant).toBe('acme');
  });

  it.each([
    ['UTF-16 LE', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(VALID, 'utf16le')]), 'UTF-16'],
    [
      'UTF-16 BE',
      Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(VALID, 'utf16le').swap16()]),
      'UTF-16',
    ],
  ])('says plainly that a %s file must be saved as UTF-8', async (_, bytes, name) => {
    const error = await refusal(write(bytes));
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toMatchObject({ line: 1, column: 1, code: 'file.encoding' });
    expect(error.issues[0]?.message).toContain(`${name} encoded`);
    expect(error.issues[0]?.hint).toContain('UTF-8');
  });

  it('lists a bounded number of unknown keys among 40,000, with the count of the rest', async () => {
    const keys = Array.from({ length: 40_000 }, (_, i) => `k${i}x: 1`).join('\n');
    const error = await refusal(write(`${VALID}${keys}\n`));
    const unknown = error.issues.filter((i) => i.code === 'schema.unknown-key');
    expect(unknown.length).toBeLessThanOrEqual(MAX_SCHEMA_ISSUES);
    expect(unknown[0]).toMatchObject({ line: 10, column: 1, path: 'k0x' });
    const more = error.issues.find((i) => i.code === 'schema.too-many');
    expect(more?.message).toMatch(/and up to \d+ more problems/);
  });

  it('finds a duplicate key among 40,000 others, at its second place', async () => {
    const keys = Array.from({ length: 40_000 }, (_, i) => `k${i}: 1`).join('\n');
    const error = await refusal(write(`x:\n${keys.replace(/^/gm, '  ')}\n  k7: 2\n`));
    expect(error.issues).toEqual([
      expect.objectContaining({ line: 40_002, column: 3, code: 'yaml.duplicate-key' }),
    ]);
    expect(error.issues[0]?.message).toContain('duplicate key "k7"');
  });

  it('never prints a long value whole', async () => {
    const long = 'x'.repeat(200_000);
    const error = await refusal(write(`${VALID.replace('tenant: acme', `tenant: ${long}`)}`));
    expect(error.issues[0]?.path).toBe('tenant');
    expect(error.message.length).toBeLessThan(2_000);
    const keyError = await refusal(write(`${VALID}${'k'.repeat(1000)}: 1\n`));
    expect(keyError.issues[0]?.code).toBe('schema.unknown-key');
    expect(keyError.message.length).toBeLessThan(1_000);
    expect(formatIssue(keyError.issues[0]!)).toContain('…');
  });

  it('refuses state.path naming a device, without creating anything beside it', async () => {
    const error = await refusal(write(`${VALID}state: { path: /dev/null }\n`));
    expect(error.issues).toEqual([
      expect.objectContaining({ line: 10, column: 16, path: 'state.path', code: 'state.not-regular' }),
    ]);
    expect(error.issues[0]?.message).toBe('state.path is a character device, not a ledger file');
  });

  it('refuses state.path naming a directory, and one through a file', async () => {
    const file = write(`${VALID}state: { path: ., auditLog: ./archive.pipeline.yaml/x.jsonl }\n`);
    const error = await refusal(file);
    expect(error.issues.map((i) => [i.path, i.code])).toEqual([
      ['state.path', 'state.not-regular'],
      ['state.auditLog', 'state.not-regular'],
    ]);
    expect(error.issues[0]?.message).toContain('is a directory');
  });
});
