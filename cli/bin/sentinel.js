#!/usr/bin/env node
/**
 * Launcher of the `sentinel` CLI: registers tsx so the TypeScript sources run as they are
 * (no build step, `npx sentinel` works from a clone), then runs cli/main.ts.
 */
'use strict';
require('tsx/cjs');
const { run } = require('../main.ts');

const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: controller.signal }).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`sentinel: ${error && error.message ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
