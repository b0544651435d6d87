/**
 * src/sweep-spec/expand.ts runs inside Temporal workflow code: it and every module it imports at runtime must
 * use no Node built-ins and no nondeterministic globals. Reads the sources and follows the imports.
 */
import { describe, expect, it } from 'vitest';
import { importClosure, itIsWorkflowSafe, runtimeImports } from '../architecture/workflow-safety.js';

describe('src/sweep-spec/expand.ts and the adaptive plan are workflow-safe', () => {
  it('follows its imports (the test sees the modules it must check)', () => {
    expect(importClosure(['src/sweep-spec/expand.ts']).files).toEqual(
      expect.arrayContaining([
        'src/sweep-spec/expand.ts',
        'src/sweep-spec/keys.ts',
        'src/search/uniform.ts',
        'src/search/distributions.ts',
        'src/core/domain/keys.ts',
        'src/core/domain/builtin-trainable.ts',
      ]),
    );
  });

  // The adaptive plan expands sampler proposals into trials and keys inside the workflow.
  itIsWorkflowSafe(['src/sweep-spec/expand.ts', 'src/temporal/workflows/adaptive-plan.ts']);

  it('the import scanner sees through type-only imports but catches runtime ones', () => {
    expect(
      runtimeImports(
        "import type { A } from 'node:fs';\nimport { b } from 'node:path';\nexport { c } from './c.js';\nimport './side.js';",
      ),
    ).toEqual(['node:path', './c.js', './side.js']);
  });
});
