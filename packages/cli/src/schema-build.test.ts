import { pipelineSchema } from '@cxarchive/core/host';
import { describe, expect, it } from 'vitest';
import type { FoundPlugin } from './plugins-discover.js';
import { allowReferences, buildPipelineSchema } from './schema-build.js';

const plugin = (kind: string, use: string, status: FoundPlugin['status'] = 'ok'): FoundPlugin => ({
  kind,
  use,
  packageName: `@acme/${kind}-${use}`,
  version: '1.0.0',
  apiVersion: 2,
  dir: `/x/${use}`,
  origin: 'tenant',
  status,
  definition: {
    kind,
    name: use,
    apiVersion: 2,
    configSchema: { type: 'object', properties: { level: { type: 'integer' } } },
    create: () => {
      throw new Error('not created');
    },
  } as unknown as FoundPlugin['definition'],
});

describe('the editor schema', () => {
  it('lets ${VAR} stand for numbers and constrained strings, not for objects, lists or plain strings', () => {
    const out = allowReferences({
      type: 'object',
      properties: {
        n: { type: 'integer', description: 'a number', default: 3 },
        s: { type: 'string' },
        p: { type: 'string', pattern: '^a' },
        list: { type: 'array', items: { type: 'boolean' } },
      },
      if: { properties: { n: { const: 1 } } },
    }) as { properties: Record<string, Record<string, unknown>>; if: unknown };
    expect(out.properties.n).toMatchObject({
      description: 'a number',
      default: 3,
      anyOf: [{ type: 'integer' }, { type: 'string' }],
    });
    expect(out.properties.s).toEqual({ type: 'string' });
    expect(out.properties.p?.anyOf).toHaveLength(2);
    expect(out.properties.list).toMatchObject({
      type: 'array',
      items: { anyOf: [{ type: 'boolean' }, { type: 'string' }] },
    });
    expect(out.if).toEqual({ properties: { n: { const: 1 } } });
  });

  it('checks `with` per plugin of each kind, by its use name; only usable plugins; core schema untouched', () => {
    const before = JSON.stringify(pipelineSchema);
    const schema = buildPipelineSchema(
      [
        plugin('sink', 'tape'),
        plugin('codec', 'rot13'),
        plugin('sink', 'broken', 'broken'),
        plugin('sink', 'old', 'shadowed'),
      ],
      '9.9.9',
    ) as { properties: Record<string, Record<string, unknown>>; description: string };
    expect(JSON.stringify(pipelineSchema)).toBe(before);
    const sinks = schema.properties.sinks?.items as {
      allOf: { if: unknown; then: { properties: { with: Record<string, unknown> } } }[];
      properties: { use: { examples: string[] } };
    };
    expect(sinks.properties.use.examples).toEqual(['tape']);
    expect(sinks.allOf).toHaveLength(1);
    expect(sinks.allOf[0]?.if).toEqual({ properties: { use: { const: 'tape' } }, required: ['use'] });
    expect(sinks.allOf[0]?.then.properties.with.description).toBe(
      'Options of @acme/sink-tape@1.0.0 (use: tape).',
    );
    expect((schema.properties.codec as { allOf: unknown[] }).allOf).toHaveLength(1);
    expect((schema.properties.source as { allOf: unknown[] }).allOf).toEqual([]);
    expect(schema.description).toContain('@cxarchive/cli 9.9.9');
  });
});
