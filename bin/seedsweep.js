#!/usr/bin/env node
// Runs the compiled CLI (dist/, made by `npm run build`), or the TypeScript sources through tsx
// when there is no build yet.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../cli/main.ts', import.meta.url).href);
}
