/**
 * Module references a user gives (src/core/common/user-module.ts): a file URL the system cannot open
 * was a TypeError from `fileURLToPath`, printed as "unexpected error"; `moduleRefOf` makes it one
 * `E_BAD_MODULE_REF` naming the field (a spec's `trainable`, runTrial's option) and what to write.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { moduleRefOf } from '../../../../src/core/common/user-module.js';

const field = { field: 'trainable', relativeTo: "the spec's folder" };

describe('moduleRefOf', () => {
  it.each([
    ['file://host/x.ts#t', /host must be "localhost" or empty/],
    ['file:///a%2Fb.ts#t', /must not include encoded \/ characters/],
  ])('%s is E_BAD_MODULE_REF naming the field, not a TypeError', (ref, reason) => {
    let error: unknown;
    try {
      moduleRefOf(ref, '/base', field);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({
      name: 'UserError',
      code: 'E_BAD_MODULE_REF',
      message: expect.stringMatching(reason),
    });
    expect((error as Error).message).toMatch(
      new RegExp(
        `^trainable ${JSON.stringify(ref).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not a file this system can open .*: a file URL must be local, file:///path/to/module\\.ts#export; or write a path relative to the spec's folder\\.$`,
      ),
    );
  });

  it('resolves what parseModuleRef resolves, and keeps its own errors', () => {
    expect(moduleRefOf('./m.ts#train', '/base', field)).toEqual({
      module: path.resolve('/base', 'm.ts'),
      export: 'train',
    });
    expect(moduleRefOf('file:///tmp/m.ts', '/base', field)).toEqual({
      module: '/tmp/m.ts',
      export: 'default',
    });
    expect(() => moduleRefOf('#x', '/base', field)).toThrow(/'#x' is not a module reference/);
  });
});
