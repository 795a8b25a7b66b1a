#!/usr/bin/env node
// The `cxarchive` command. Failures that reach this level are shown by errors-render (a problem to
// fix: its message and next steps; a bug: one line, where to report it, the stack only with --debug)
// and end with the exit code of exit-codes.ts.
import { flush, run, settings } from '@oclif/core';
import { renderFailure, takeGlobalFlags } from '../dist/errors-render.js';

// The package ships compiled JavaScript only: oclif must not look for TypeScript sources
// (it would with NODE_ENV=development or test, and warn when it finds no TypeScript).
settings.enableAutoTranspile = false;

// A reader that went away (`cxarchive --help | head`) ends the command quietly.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

const { argv, debug } = takeGlobalFlags(process.argv.slice(2));
if (debug) process.env.CXARCHIVE_DEBUG = '1';

// An exception nothing caught (a plugin's stray timer or promise) is a bug like any other: shown
// the same way, scrubbed, instead of Node's raw stack.
const crash = (error) => process.exit(renderFailure(error, argv));
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);

let code = 0;
try {
  await run(argv, import.meta.url);
} catch (error) {
  code = renderFailure(error, argv);
}
await flush();
process.exit(typeof process.exitCode === 'number' && code === 0 ? process.exitCode : code);
