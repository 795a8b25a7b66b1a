#!/usr/bin/env node
import { main } from '../dist/index.js';

const result = await main(process.argv.slice(2));
if (result.simulator === undefined) process.exitCode = result.exitCode;
