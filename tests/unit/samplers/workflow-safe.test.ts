/**
 * samplers/ will run inside Temporal workflow code: every module it imports at runtime must use no
 * Node built-ins and no nondeterministic globals. Follows the imports from every sampler, pruner and
 * adaptive-seeds file.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../common/paths.js';
import { importClosure, itIsWorkflowSafe } from '../workflow-safety.js';

describe('samplers/ is workflow-safe', () => {
  const entries = readdirSync(path.join(PACKAGE_ROOT, 'samplers'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join('samplers', f));

  it('follows the imports of every sampler file', () => {
    expect(entries).toEqual(
      expect.arrayContaining([
        'samplers/index.ts',
        'samplers/tpe.ts',
        'samplers/grid.ts',
        'samplers/random.ts',
        'samplers/pruners.ts',
        'samplers/median-pruner.ts',
        'samplers/asha.ts',
        'samplers/confidence-sequence.ts',
        'samplers/adaptive-seeds.ts',
        'samplers/simulate.ts',
      ]),
    );
    expect(importClosure(entries).files).toEqual(
      expect.arrayContaining(['samplers/math.ts', 'spec/expand.ts', 'spec/random.ts']),
    );
  });

  itIsWorkflowSafe(entries);
});
