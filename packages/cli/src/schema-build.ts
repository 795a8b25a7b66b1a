import { type JsonSchema, PLUGIN_KINDS, type PluginKind, pipelineSchema } from '@cxarchive/core/host';
import type { FoundPlugin } from './plugins-discover.js';

/** A `${VAR}` or `${VAR:-default}` reference: what an editor sees before the environment expands it. */
const REFERENCE: JsonSchema = {
  type: 'string',
  pattern: '\\$\\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\\}',
  description: 'A ${VAR} reference, expanded from the environment when the file is loaded.',
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const CONSTRAINTS = ['enum', 'const', 'pattern', 'format', 'minimum', 'maximum', 'minLength', 'maxLength'];

/**
 * Whether a value of this schema, written as `${VAR}` in the file, would be refused by the schema as
 * written: a number, boolean or constrained string. (Core expands references first and reads numbers
 * and booleans from the text, so `concurrency: ${WORKERS:-8}` is valid.)
 */
const needsReference = (node: Record<string, unknown>): boolean => {
  if (isObject(node.properties) || node.items !== undefined) return false;
  const types = Array.isArray(node.type) ? node.type : node.type === undefined ? [] : [node.type];
  if (types.some((t) => t === 'object' || t === 'array')) return false;
  if (types.some((t) => t === 'number' || t === 'integer' || t === 'boolean' || t === 'null')) return true;
  return CONSTRAINTS.some((k) => node[k] !== undefined);
};

const SUBSCHEMA_MAPS = ['properties', 'patternProperties', 'definitions', '$defs'];
const SUBSCHEMA_LISTS = ['anyOf', 'oneOf', 'allOf'];
const SUBSCHEMAS = ['additionalProperties', 'then', 'else', 'contains', 'propertyNames'];

/**
 * The schema with every leaf that would refuse a `${VAR}` text also accepting one, so an editor
 * validates the file as it is written. `if` conditions are left as they are: they test what the
 * file says, not what a variable may hold.
 */
export const allowReferences = (schema: unknown): unknown => {
  if (!isObject(schema)) return schema;
  const out: Record<string, unknown> = { ...schema };
  for (const key of SUBSCHEMA_MAPS) {
    const map = schema[key];
    if (isObject(map)) {
      out[key] = Object.fromEntries(Object.entries(map).map(([k, v]) => [k, allowReferences(v)]));
    }
  }
  for (const key of SUBSCHEMA_LISTS) {
    const list = schema[key];
    if (Array.isArray(list)) out[key] = list.map(allowReferences);
  }
  for (const key of SUBSCHEMAS) {
    if (isObject(schema[key])) out[key] = allowReferences(schema[key]);
  }
  const items = schema.items;
  if (Array.isArray(items)) out.items = items.map(allowReferences);
  else if (isObject(items)) out.items = allowReferences(items);
  if (!needsReference(schema)) return out;
  const shown: Record<string, unknown> = {};
  for (const key of ['title', 'description', 'default', 'examples']) {
    if (schema[key] !== undefined) shown[key] = schema[key];
  }
  return { ...shown, anyOf: [out, REFERENCE] };
};

/** Where each kind's plugin references sit in the pipeline schema. */
const SLOTS: Readonly<Record<PluginKind, { key: string; list: boolean }>> = {
  source: { key: 'source', list: false },
  transform: { key: 'transforms', list: true },
  codec: { key: 'codec', list: false },
  sink: { key: 'sinks', list: true },
  notifier: { key: 'notifiers', list: true },
};

/** A plugin reference whose `with` is checked against the options of the plugin `use` names. */
const refWithOptions = (ref: Record<string, unknown>, plugins: readonly FoundPlugin[]): JsonSchema => {
  const properties = isObject(ref.properties) ? ref.properties : {};
  const use = isObject(properties.use) ? properties.use : {};
  return {
    ...ref,
    properties: {
      ...properties,
      use: { ...use, examples: plugins.map((p) => p.use) },
    },
    allOf: plugins.map((p) => ({
      if: { properties: { use: { const: p.use } }, required: ['use'] },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, never awaited.
      then: {
        properties: {
          with: {
            ...(p.definition?.configSchema ?? {}),
            // A plugin schema with `$ref: '#/…'` keeps resolving inside itself once embedded.
            ...(JSON.stringify(p.definition?.configSchema ?? {}).includes('"$ref"')
              ? { $id: `urn:cxarchive:plugin:${p.kind}:${encodeURIComponent(p.use)}` }
              : {}),
            description: `Options of ${p.packageName}@${p.version} (use: ${p.use}).`,
          },
        },
      },
    })),
  };
};

/**
 * The JSON Schema of pipeline files: core's own schema, with each plugin reference's `with` checked
 * against the options of every resolvable plugin of its kind (matched on `use:`), and `${VAR}`
 * references accepted wherever the file may hold one. A `use:` naming no plugin found here (a path
 * plugin, one installed elsewhere) is left unchecked below `with`.
 */
export const buildPipelineSchema = (plugins: readonly FoundPlugin[], cliVersion: string): JsonSchema => {
  const usable = plugins.filter((p) => p.status === 'ok' && p.definition);
  const base = structuredClone(pipelineSchema) as Record<string, unknown>;
  const properties = base.properties as Record<string, Record<string, unknown>>;
  for (const kind of PLUGIN_KINDS) {
    const slot = SLOTS[kind];
    const ofKind = usable.filter((p) => p.kind === kind);
    const at = properties[slot.key];
    if (!at) continue;
    if (slot.list) {
      at.items = refWithOptions(at.items as Record<string, unknown>, ofKind);
    } else {
      properties[slot.key] = refWithOptions(at, ofKind);
    }
  }
  const withReferences = allowReferences(base) as Record<string, unknown>;
  return {
    ...withReferences,
    description: `The cxarchive pipeline file (archive.pipeline.yaml), with the options of ${usable.length} plugins, as generated by \`cxarchive schema\` (@cxarchive/cli ${cliVersion}). Regenerate it after installing or upgrading a plugin.`,
  };
};
