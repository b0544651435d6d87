/**
 * src/search/ will run inside Temporal workflow code: every module it imports at runtime must use no
 * Node built-ins and no nondeterministic globals. Follows the imports from every sampler, pruner and
 * adaptive-seeds file.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../src/core/common/paths.js';
import { importClosure, itIsWorkflowSafe } from '../architecture/workflow-safety.js';

describe('src/search/ is workflow-safe', () => {
  const entries = readdirSync(path.join(PACKAGE_ROOT, 'src', 'search'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join('src', 'search', f));

  it('follows the imports of every sampler file', () => {
    expect(entries).toEqual(
      expect.arrayContaining([
        'src/search/index.ts',
        'src/search/tpe.ts',
        'src/search/grid.ts',
        'src/search/random.ts',
        'src/search/pruners.ts',
        'src/search/median-pruner.ts',
        'src/search/asha.ts',
        'src/search/confidence-sequence.ts',
        'src/search/adaptive-seeds.ts',
        'src/search/simulate.ts',
      ]),
    );
    expect(importClosure(entries).files).toEqual(
      expect.arrayContaining([
        'src/search/math.ts',
        'src/search/distributions.ts',
        'src/core/common/random.ts',
      ]),
    );
  });

  itIsWorkflowSafe(entries);
});
