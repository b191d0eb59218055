#!/usr/bin/env node
/** The `switchyard` binary. */
import { runCli } from './program.js';

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
});
// Exit explicitly: a backend client that still holds a socket must not keep the command alive.
process.exit(code);
