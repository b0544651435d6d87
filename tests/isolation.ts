/**
 * Which unit test files need a module graph and a process of their own. The others share one per test
 * worker (vitest `isolate: false`): importing TF.js, the Temporal SDK and the sources again for every
 * file was most of the unit suite's CPU (import 390 s of 670 s; shared: 88 s, wall 458 s → 290 s,
 * 2026-12-07, 4 workers on 2 cores).
 *
 * A file needs isolation when it, or a helper module it imports from tests/, replaces modules or the
 * process's environment: `vi.mock`/`vi.doMock` (a module another file loaded first would stay real),
 * `vi.stubEnv`/`vi.stubGlobal`/`vi.resetModules`, assignments to `process.env`, `process.chdir`. Found by
 * reading the files, so a new test that does any of these is isolated without a list to keep.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const NEEDS_ISOLATION = [
  /\bvi\.(?:mock|doMock|stubEnv|stubGlobal|resetModules)\(/,
  /\bprocess\.env(?:\[[^\]]+\]|\.[A-Za-z_]\w*)\s*=(?!=)/,
  /\bdelete process\.env\b/,
  /\bprocess\.chdir\(/,
];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/** Helper modules under tests/ a file imports by relative path (one level: helpers do not nest mocks). */
function localHelpers(file: string, text: string): string[] {
  const helpers: string[] = [];
  for (const match of text.matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
    const target = path.resolve(path.dirname(file), match[1]!.replace(/\.js$/, '.ts'));
    if (target.includes(`${path.sep}tests${path.sep}`) && !target.endsWith('.test.ts')) helpers.push(target);
  }
  return helpers;
}

/** Unit test files (relative to `root`, posix separators) that must run isolated. */
export function unitFilesNeedingIsolation(root: string): string[] {
  const read = (file: string): string => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return '';
    }
  };
  const touches = (text: string) => NEEDS_ISOLATION.some((pattern) => pattern.test(text));
  return filesUnder(path.join(root, 'tests', 'unit'))
    .filter((file) => file.endsWith('.test.ts'))
    .filter((file) => {
      const text = read(file);
      return touches(text) || localHelpers(file, text).some((helper) => touches(read(helper)));
    })
    .map((file) => path.relative(root, file).split(path.sep).join('/'))
    .sort();
}
