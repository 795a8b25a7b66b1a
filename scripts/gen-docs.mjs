// Generates the options tables of the docs from the JSON Schemas, the single source of option docs
// (DESIGN §11). Run it after a build (`pnpm exec tsc -b tsconfig.build.json`): it reads the built
// schemas under dist/.
//
//   node scripts/gen-docs.mjs            rewrite every stale table
//   node scripts/gen-docs.mjs --check    write nothing; exit 1 listing every stale file (CI)
//   node scripts/gen-docs.mjs --root D   work on the repository at D instead of this one (tests)
//
// Targets:
// - every package in packages/ whose package.json has a `cxarchive` field (a plugin): the table of
//   its `configSchema` (dist/schema.js, else the default export of its built entry) goes into
//   its README.md;
// - the pipeline file's own schema (`pipelineSchema`, packages/core/dist/config/pipeline-schema.js)
//   goes into docs/configuration.md.
// - docs/cli.md: each command's reference block (usage, summary, arguments, flags, examples),
//   generated from the built oclif commands by scripts/gen-cli-docs.mjs, between
//   `<!-- cli:<id>:start -->` and `<!-- cli:<id>:end -->`.
// The table replaces whatever lies between the lines `<!-- options:start -->` and
// `<!-- options:end -->`. The output is deterministic and already in the layout Biome's Markdown
// formatter gives tables, so formatting a README never makes its table stale.
//
// Exit status: 0 done (or, with --check, everything is current); 1 a table is stale (--check) or a
// target has no markers; 2 a schema cannot be loaded (not built?) or bad arguments.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CLI_DOC, loadCommands, withCommandBlocks } from './gen-cli-docs.mjs';

const START = '<!-- options:start -->';
const END = '<!-- options:end -->';
const SECRET = 'x-cxarchive-secret';
const HEADER = ['Option', 'Type', 'Default', 'Required', 'Secret', 'Description'];

const usage = (message) => {
  process.stderr.write(`gen-docs: ${message}\nusage: node scripts/gen-docs.mjs [--check] [--root <dir>]\n`);
  process.exit(2);
};

const parseArgs = (argv) => {
  let check = false;
  let root = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--check') check = true;
    else if (arg === '--root') {
      const value = argv[++i];
      if (value === undefined) usage('--root needs a directory');
      root = path.resolve(value);
    } else usage(`unknown argument ${arg}`);
  }
  return { check, root };
};

// ---------------------------------------------------------------------------------------------
// Rendering a schema as rows

const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);
const code = (text) => `\`${text}\``;
const json = (value) => code(JSON.stringify(value));

/** Alternatives of a node: oneOf, else anyOf. */
const variantsOf = (node) => {
  if (Array.isArray(node.oneOf)) return node.oneOf.filter(isObject);
  if (Array.isArray(node.anyOf)) return node.anyOf.filter(isObject);
  return [];
};

/** allOf members merged into one node (properties and required lists joined). */
const flatten = (node) => {
  if (!Array.isArray(node.allOf)) return node;
  const { allOf, ...rest } = node;
  let merged = rest;
  for (const part of allOf.filter(isObject).map(flatten)) {
    merged = {
      ...part,
      ...merged,
      properties: { ...(part.properties ?? {}), ...(merged.properties ?? {}) },
      required: [...(merged.required ?? []), ...(part.required ?? [])],
    };
  }
  return merged;
};

const hasProperties = (node) => isObject(node.properties) && Object.keys(node.properties).length > 0;

const range = (node) => {
  const min =
    node.minimum ?? (node.exclusiveMinimum === undefined ? undefined : `> ${node.exclusiveMinimum}`);
  const max =
    node.maximum ?? (node.exclusiveMaximum === undefined ? undefined : `< ${node.exclusiveMaximum}`);
  if (typeof min === 'number' && typeof max === 'number') return `${min}–${max}`;
  if (typeof min === 'number') return `≥ ${min}`;
  if (typeof max === 'number') return `≤ ${max}`;
  return [min, max].filter((x) => x !== undefined).join(', ');
};

/** A short human type: `string (uri)`, `integer 1–256`, `array of "voice"`, one of `"a"`, `"b"`. */
const typeOf = (raw) => {
  const node = flatten(raw);
  if ('const' in node) return json(node.const);
  if (Array.isArray(node.enum)) {
    const values = node.enum.map(json);
    return values.length === 1 ? values[0] : `one of ${values.join(', ')}`;
  }
  const variants = variantsOf(node);
  if (variants.length > 0 && node.type === undefined) {
    if (variants.every((v) => hasProperties(flatten(v)))) return `object, one of ${variants.length} variants`;
    return variants.map(typeOf).join(' or ');
  }
  const types = Array.isArray(node.type) ? node.type : node.type === undefined ? [] : [node.type];
  if (types.length === 0) return hasProperties(node) ? 'object' : 'any';
  return types
    .map((type) => {
      if (type === 'string') return typeof node.format === 'string' ? `string (${node.format})` : 'string';
      if (type === 'integer' || type === 'number') {
        const r = range(node);
        return r === '' ? type : `${type} ${r}`;
      }
      if (type === 'array') {
        const items = isObject(node.items) ? ` of ${typeOf(node.items)}` : '';
        const atLeast =
          typeof node.minItems === 'number' && node.minItems > 0 ? `, at least ${node.minItems}` : '';
        return `array${items}${atLeast}`;
      }
      return type;
    })
    .join(' or ');
};

/** The `provider: "file"` of a variant: a required property pinned to one value. */
const discriminator = (variant) => {
  const required = new Set(variant.required ?? []);
  for (const [name, prop] of Object.entries(variant.properties ?? {})) {
    if (isObject(prop) && required.has(name) && 'const' in prop)
      return `${name}: ${JSON.stringify(prop.const)}`;
  }
  return undefined;
};

/** Flattens a schema into table rows, depth first, in the schema's own property order. */
const schemaRows = (schema) => {
  const rows = [];
  const row = (option, node, required) =>
    rows.push({
      option,
      type: typeOf(node),
      default: node.default === undefined ? '' : json(node.default),
      required: required ? 'yes' : '',
      secret: node[SECRET] === true ? 'yes' : '',
      description: typeof node.description === 'string' ? node.description : '',
    });

  const properties = (raw, prefix) => {
    const node = flatten(raw);
    const required = new Set(node.required ?? []);
    for (const [name, prop] of Object.entries(node.properties ?? {})) {
      if (!isObject(prop)) continue;
      const at = prefix === '' ? name : `${prefix}.${name}`;
      row(code(at), prop, required.has(name));
      below(prop, at);
    }
  };

  const below = (raw, at) => {
    const node = flatten(raw);
    if (hasProperties(node)) properties(node, at);
    const variants = variantsOf(node).map(flatten);
    if (variants.length > 0 && variants.every(hasProperties)) {
      variants.forEach((variant, i) => {
        const label = discriminator(variant) ?? `variant ${i + 1} of ${variants.length}`;
        row(`${code(at)} (${code(label)})`, variant, false);
        properties(variant, at);
      });
    }
    if (isObject(node.items)) {
      const items = flatten(node.items);
      if (hasProperties(items) || variantsOf(items).length > 0) below(items, `${at}[]`);
    }
  };

  properties(schema, '');
  return rows;
};

// ---------------------------------------------------------------------------------------------
// Markdown

/** Escapes a table cell: pipes everywhere; `<`, `>` and `*` outside code spans; no newlines. */
const cell = (text) =>
  text
    .replace(/\s*\n\s*/g, ' ')
    .split(/(`+[^`]*`+)/)
    .map((part, i) =>
      i % 2 === 1 ? part : part.replace(/[<>*]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '*': '\\*' })[c]),
    )
    .join('')
    .replace(/\|/g, '\\|');

const width = (text) => [...text].length;

/** A GFM table with padded columns, as Biome formats Markdown tables. */
const markdownTable = (rows) => {
  const body = rows.map((r) => [r.option, r.type, r.default, r.required, r.secret, r.description].map(cell));
  const widths = HEADER.map((h, i) => Math.max(3, width(h), ...body.map((cells) => width(cells[i]))));
  const line = (cells) => `| ${cells.map((c, i) => c + ' '.repeat(widths[i] - width(c))).join(' | ')} |`;
  return [line(HEADER), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
};

const block = (schemaFile, rows) =>
  [
    `<!-- generated by scripts/gen-docs.mjs from ${schemaFile}: edit the schema, not this table -->`,
    '',
    rows.length === 0 ? 'This plugin takes no options.' : markdownTable(rows),
  ].join('\n');

/** The document with its marked region replaced, or an error message. */
const withTable = (text, generated) => {
  const lines = text.split('\n');
  const starts = lines.flatMap((l, i) => (l.trim() === START ? [i] : []));
  const ends = lines.flatMap((l, i) => (l.trim() === END ? [i] : []));
  if (starts.length !== 1 || ends.length !== 1)
    return { error: `needs exactly one "${START}" line and one "${END}" line` };
  const [s] = starts;
  const [e] = ends;
  if (e < s) return { error: `"${END}" comes before "${START}"` };
  return { text: [...lines.slice(0, s + 1), '', generated, '', ...lines.slice(e)].join('\n') };
};

// ---------------------------------------------------------------------------------------------
// Targets

const rel = (root, file) => path.relative(root, file).split(path.sep).join('/');

const loadSchema = async (root, candidates) => {
  for (const { file, pick } of candidates) {
    if (!existsSync(file)) continue;
    const mod = await import(pathToFileURL(file).href);
    const schema = pick(mod);
    if (isObject(schema)) return { schema, from: rel(root, file) };
  }
  return undefined;
};

const targets = async (root) => {
  const out = [];
  const problems = [];
  const packagesDir = path.join(root, 'packages');
  const dirs = existsSync(packagesDir)
    ? readdirSync(packagesDir, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort()
    : [];
  for (const dir of dirs) {
    const pkgDir = path.join(packagesDir, dir);
    const pkgFile = path.join(pkgDir, 'package.json');
    if (!existsSync(pkgFile)) continue;
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
    if (!isObject(pkg.cxarchive)) continue;
    const entry = typeof pkg.main === 'string' ? pkg.main : 'dist/index.js';
    const loaded = await loadSchema(root, [
      { file: path.join(pkgDir, 'dist', 'schema.js'), pick: (m) => m.configSchema },
      { file: path.resolve(pkgDir, entry), pick: (m) => m.default?.configSchema },
    ]);
    if (!loaded) {
      problems.push(
        `${rel(root, pkgDir)}: no built schema (dist/schema.js exporting configSchema, or a built entry whose default export has one); build first: pnpm exec tsc -b tsconfig.build.json`,
      );
      continue;
    }
    out.push({ file: path.join(pkgDir, 'README.md'), ...loaded });
  }
  const core = await loadSchema(root, [
    {
      file: path.join(packagesDir, 'core', 'dist', 'config', 'pipeline-schema.js'),
      pick: (m) => m.pipelineSchema,
    },
  ]);
  if (core) out.push({ file: path.join(root, 'docs', 'configuration.md'), ...core });
  else
    problems.push(
      'packages/core/dist/config/pipeline-schema.js (export pipelineSchema) is missing; build first: pnpm exec tsc -b tsconfig.build.json',
    );
  return { targets: out, problems };
};

const sourceOf = (from) => from.replace(/\/dist\//, '/src/').replace(/\.js$/, '.ts');

/** docs/cli.md's command blocks: `{ stale, broken }`, or `{ problem }` when the CLI is not built. */
const cliReference = async (root, check) => {
  let commands;
  try {
    commands = await loadCommands(root);
  } catch (error) {
    return { problem: error instanceof Error ? error.message : String(error) };
  }
  if (commands === undefined) return { stale: [], broken: [] };
  const file = path.join(root, CLI_DOC);
  const name = rel(root, file);
  if (!existsSync(file)) return { stale: [], broken: [`${name}: missing (it must hold the command blocks)`] };
  const text = readFileSync(file, 'utf8');
  const next = withCommandBlocks(text, commands);
  if (next.errors) return { stale: [], broken: next.errors.map((e) => `${name}: ${e}`) };
  if (next.text === text) return { stale: [], broken: [] };
  if (!check) writeFileSync(file, next.text);
  return { stale: [name], broken: [] };
};

const main = async () => {
  const { check, root } = parseArgs(process.argv.slice(2));
  const found = await targets(root);
  if (found.problems.length > 0) {
    for (const p of found.problems) process.stderr.write(`gen-docs: ${p}\n`);
    process.exit(2);
  }
  const stale = [];
  const broken = [];
  for (const target of found.targets) {
    const name = rel(root, target.file);
    if (!existsSync(target.file)) {
      broken.push(`${name}: missing (it must exist and hold the options markers)`);
      continue;
    }
    const text = readFileSync(target.file, 'utf8');
    const next = withTable(text, block(sourceOf(target.from), schemaRows(target.schema)));
    if (next.error) {
      broken.push(`${name}: ${next.error}`);
      continue;
    }
    if (next.text === text) continue;
    stale.push(name);
    if (!check) writeFileSync(target.file, next.text);
  }
  const cli = await cliReference(root, check);
  if (cli.problem) {
    process.stderr.write(`gen-docs: ${cli.problem}\n`);
    process.exit(2);
  }
  broken.push(...cli.broken);
  for (const b of broken) process.stderr.write(`gen-docs: ${b}\n`);
  if (check) {
    for (const s of stale) process.stderr.write(`gen-docs: stale options table: ${s}\n`);
    for (const s of cli.stale) process.stderr.write(`gen-docs: stale command reference: ${s}\n`);
    stale.push(...cli.stale);
    if (stale.length > 0)
      process.stderr.write('gen-docs: regenerate with `pnpm exec node scripts/gen-docs.mjs` and commit\n');
  } else {
    stale.push(...cli.stale);
    for (const s of stale) process.stdout.write(`gen-docs: updated ${s}\n`);
    if (stale.length === 0 && broken.length === 0)
      process.stdout.write(`gen-docs: ${found.targets.length} tables up to date\n`);
  }
  process.exit(broken.length > 0 || (check && stale.length > 0) ? 1 : 0);
};

await main();
