#!/usr/bin/env node
// Runs the compiled CLI (dist/, made by `npm run build`), or the TypeScript sources through tsx
// when there is no build yet. Called as `npx seedsweep`, through a node_modules/.bin link, or directly.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
let cli;
if (existsSync(compiled)) {
  cli = await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(new URL('../cli/main.ts', import.meta.url).href);
}
process.exitCode = await cli.main();
