#!/usr/bin/env node
// Runs the compiled CLI (dist/, made by `npm run build`), or the TypeScript sources through tsx
// when there is no build yet. Called as `npx seedsweep`, through a node_modules/.bin link, or directly.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/interfaces/cli/main.js', import.meta.url);
let cli;
if (existsSync(compiled)) {
  cli = await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(new URL('../src/interfaces/cli/main.ts', import.meta.url).href);
}
const code = await cli.main();
// A command that failed may leave a handle open that no one will close (the Temporal SDK's runtime,
// installed for a connection that never came, keeps the event loop alive and takes over SIGTERM):
// once the error is printed, end the process.
if (code !== 0) process.exit(code);
process.exitCode = code;
