/**
 * spec/expand.ts runs inside Temporal workflow code: it and every module it imports at runtime must
 * use no Node built-ins and no nondeterministic globals. Reads the sources and follows the imports.
 */
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../common/paths.js';

/** Packages the expansion may use at runtime: pure JS, no I/O. */
const ALLOWED_PACKAGES = ['@noble/hashes/sha2.js', '@noble/hashes/utils.js'];

/** Runtime (non-type) import specifiers of a TypeScript source. */
function runtimeImports(source: string): string[] {
  const specifiers: string[] = [];
  const pattern = /^\s*(import|export)\s+(type\s+)?(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;
  for (const match of source.matchAll(pattern)) {
    if (match[2] === undefined && match[3] !== undefined) specifiers.push(match[3]);
  }
  for (const match of source.matchAll(/\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]/g)) {
    if (match[1] !== undefined) specifiers.push(match[1]);
  }
  return specifiers;
}

/** Project files reachable from `entry` through runtime imports, and the external specifiers they use. */
function closure(entry: string): { files: string[]; external: string[] } {
  const files: string[] = [];
  const external = new Set<string>();
  const queue = [path.resolve(PACKAGE_ROOT, entry)];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (files.includes(file)) continue;
    files.push(file);
    for (const specifier of runtimeImports(readFileSync(file, 'utf8'))) {
      if (specifier.startsWith('.'))
        queue.push(path.resolve(path.dirname(file), specifier.replace(/\.js$/, '.ts')));
      else external.add(specifier);
    }
  }
  return { files: files.map((f) => path.relative(PACKAGE_ROOT, f)), external: [...external] };
}

describe('spec/expand.ts is workflow-safe', () => {
  const { files, external } = closure('spec/expand.ts');

  it('follows its imports (the test sees the modules it must check)', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'spec/expand.ts',
        'spec/keys.ts',
        'spec/random.ts',
        'spec/parameters.ts',
        'engine/architectures.ts',
      ]),
    );
  });

  it('imports no Node built-in, directly or indirectly', () => {
    const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
    const offending = external.filter(
      (s) => s.startsWith('node:') || builtins.has(s) || builtins.has(s.split('/')[0] ?? ''),
    );
    expect(offending).toEqual([]);
  });

  it('uses only pure-JS packages at runtime', () => {
    expect(external.filter((s) => !ALLOWED_PACKAGES.includes(s))).toEqual([]);
  });

  it('uses no clock, no Math.random, no process or I/O globals', () => {
    for (const file of files) {
      const code = readFileSync(path.join(PACKAGE_ROOT, file), 'utf8').replace(
        /\/\*[\s\S]*?\*\/|\/\/.*$/gm,
        '',
      );
      expect(code, file).not.toMatch(
        /Math\.random|\bDate\b|performance\.now|\bprocess\.|\bfetch\(|setTimeout|setInterval|\brequire\(/,
      );
    }
  });

  it('the import scanner sees through type-only imports but catches runtime ones', () => {
    expect(
      runtimeImports(
        "import type { A } from 'node:fs';\nimport { b } from 'node:path';\nexport { c } from './c.js';\nimport './side.js';",
      ),
    ).toEqual(['node:path', './c.js', './side.js']);
  });
});
