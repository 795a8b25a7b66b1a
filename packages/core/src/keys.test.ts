import { describe, expect, it } from 'vitest';
import { buildObjectKey, encodeKeyVariable, listPrefixProblem, objectKeyProblem } from './keys.js';

const occurredAt = new Date('2026-10-03T23:59:59.900Z');

describe('object keys', () => {
  it('builds the default layout from interaction data only', () => {
    const key = buildObjectKey(
      { tenant: 'acme', occurredAt, itemId: '702100000123', artifact: 'contact.json' },
      '.cxar',
    );
    expect(key).toBe('acme/2026/10/03/702100000123/contact.json.cxar');
  });

  it('dates keys in UTC from the interaction, so a retry across midnight keeps the key', () => {
    const vars = { tenant: 'acme', occurredAt, itemId: '1', artifact: 'recording.wav' };
    expect(buildObjectKey(vars, '.cxar')).toBe(buildObjectKey({ ...vars }, '.cxar'));
    expect(buildObjectKey(vars, '.cxar')).toContain('/2026/10/03/');
  });

  it.each([
    ['../../x', '_2E._2F.._2Fx'],
    ['a/../b', 'a_2F.._2Fb'],
    ['%2e%2e', '_252e_252e'],
    ['..\\', '_2E._5C'],
    ['/etc/passwd', '_2Fetc_2Fpasswd'],
    ['a\u0000b', 'a_00b'],
    ['ａ', '_EF_BD_81'],
    ['.hidden', '_2Ehidden'],
    ['plain-id_1.2', 'plain-id_5F1.2'],
    ['702100000123', '702100000123'],
  ])('confines the id %j to the safe charset', (id, encoded) => {
    expect(encodeKeyVariable(id)).toBe(encoded);
    const key = buildObjectKey({ tenant: 'acme', occurredAt, itemId: id, artifact: 'contact.json' }, '.cxar');
    expect(objectKeyProblem(key)).toBeUndefined();
    expect(key.startsWith('acme/2026/10/03/')).toBe(true);
    expect(key.split('/')).toHaveLength(6);
  });

  it('never maps two different ids to one key', () => {
    const ids = ['a/b', 'a_2Fb', 'a_b', 'a.b', '.b', '_2Eb', 'a b', 'a+b', 'a_5Fb'];
    const keys = new Set(ids.map(encodeKeyVariable));
    expect(keys.size).toBe(ids.length);
  });

  it('refuses empty and over-long variables', () => {
    expect(() => encodeKeyVariable('')).toThrow(/empty/);
    expect(() => encodeKeyVariable('x'.repeat(201))).toThrow(/longer/);
  });

  it.each([
    ['', 'empty'],
    ['/abs/key', 'absolute'],
    ['a//b', 'empty path segment'],
    ['a/./b', '"." path segment'],
    ['a/../b', '".." path segment'],
    ['a\\b', 'outside'],
    ['a b', 'outside'],
    [`${'k/'.repeat(600)}k`, 'longer than 1024'],
  ])('objectKeyProblem(%j) explains the problem', (key, problem) => {
    expect(objectKeyProblem(key)).toContain(problem);
  });
});

describe('listPrefixProblem', () => {
  it("takes '' (everything) and the start of any safe key, and refuses what no safe key starts with", () => {
    expect(listPrefixProblem('')).toBeUndefined();
    expect(listPrefixProblem('acme/')).toBeUndefined();
    expect(listPrefixProblem('acme/2026/1')).toBeUndefined();
    expect(listPrefixProblem('../')).toBeDefined();
    expect(listPrefixProblem('/acme/')).toBeDefined();
    expect(listPrefixProblem('acme//')).toBeDefined();
    expect(listPrefixProblem('a b')).toBeDefined();
  });
});
