/**
 * Checks that code which runs inside Temporal workflows (spec expansion, samplers) stays deterministic:
 * reads the sources, follows runtime imports from the entry files, and asserts no Node built-in, only
 * pure-JS packages, and no clock, Math.random, process or I/O globals. Shared by the workflow-safety tests.
 */
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../src/core/common/paths.js';

/** Packages workflow-safe code may use at runtime (trial keys hash with them): pure JS, no I/O. */
export const ALLOWED_PACKAGES = ['@noble/hashes/sha2.js', '@noble/hashes/utils.js'];

/** Runtime (non-type) import specifiers of a TypeScript source. */
export function runtimeImports(source: string): string[] {
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

/** Project files reachable from `entries` through runtime imports, and the external specifiers they use. */
export function importClosure(entries: string[]): { files: string[]; external: string[] } {
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

/** Registers the three determinism checks over the import closure of `entries` (call inside a describe). */
export function itIsWorkflowSafe(entries: string[]): void {
  const { files, external } = importClosure(entries);

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
}
