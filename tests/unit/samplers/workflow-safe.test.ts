/**
 * samplers/ will run inside Temporal workflow code: every module it imports at runtime must use no
 * Node built-ins and no nondeterministic globals (as tests/unit/spec/expand-workflow-safe.test.ts
 * checks for spec/expand.ts). Reads the sources and follows the imports from every sampler file.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../common/paths.js';

/** Packages the samplers may use at runtime (through spec/expand.ts's keys): pure JS, no I/O. */
const ALLOWED_PACKAGES = ['@noble/hashes/sha2.js', '@noble/hashes/utils.js'];

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

function closure(entries: string[]): { files: string[]; external: string[] } {
  const files: string[] = [];
  const external = new Set<string>();
  const queue = entries.map((entry) => path.resolve(PACKAGE_ROOT, entry));
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

describe('samplers/ is workflow-safe', () => {
  const entries = readdirSync(path.join(PACKAGE_ROOT, 'samplers'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join('samplers', f));
  const { files, external } = closure(entries);

  it('follows the imports of every sampler file', () => {
    expect(entries).toEqual(
      expect.arrayContaining([
        'samplers/index.ts',
        'samplers/tpe.ts',
        'samplers/grid.ts',
        'samplers/random.ts',
      ]),
    );
    expect(files).toEqual(expect.arrayContaining(['samplers/math.ts', 'spec/expand.ts', 'spec/random.ts']));
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
});
