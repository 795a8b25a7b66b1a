import type { JsonSchema } from '../plugin/define-plugin.js';
import { Redacted, type SecretScrubber } from '../redacted.js';
import { SECRET_KEYWORD } from './validate.js';

type SchemaNode = {
  [SECRET_KEYWORD]?: boolean;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  oneOf?: SchemaNode[];
  anyOf?: SchemaNode[];
  allOf?: SchemaNode[];
};

const propertySchemas = (schema: SchemaNode, key: string): SchemaNode[] => {
  const out: SchemaNode[] = [];
  const own = schema.properties?.[key];
  if (own) out.push(own);
  for (const branch of [...(schema.oneOf ?? []), ...(schema.anyOf ?? []), ...(schema.allOf ?? [])]) {
    out.push(...propertySchemas(branch, key));
  }
  return out;
};

/**
 * Wraps every value the schema marks `x-cxarchive-secret` in `Redacted` and registers it with
 * the scrubber, so it cannot be printed by accident anywhere downstream.
 */
export const wrapSecrets = (value: unknown, schema: JsonSchema, scrubber: SecretScrubber): unknown => {
  const node = schema as SchemaNode;
  if (node[SECRET_KEYWORD] === true && typeof value === 'string') {
    scrubber.add(value);
    return Redacted.make(value);
  }
  if (Array.isArray(value)) {
    return node.items ? value.map((v) => wrapSecrets(v, node.items as JsonSchema, scrubber)) : value;
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => {
        const schemas = propertySchemas(node, k);
        const secret = schemas.some((s) => s[SECRET_KEYWORD] === true);
        if (secret && typeof v === 'string') {
          scrubber.add(v);
          return [k, Redacted.make(v)];
        }
        return [k, schemas[0] ? wrapSecrets(v, schemas[0] as JsonSchema, scrubber) : v];
      }),
    );
  }
  return value;
};
