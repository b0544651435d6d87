/**
 * `runTrial`'s dataset in the form specs use: `{ module: './data.ts#points', options }`, the module
 * reference resolved against the working folder like the trainable's, the name optional (the plug-in's).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTrial } from '../../../../src/interfaces/api/trial.js';
import { PACKAGE_ROOT } from '../../../../src/core/common/paths.js';

const MODULE = path.join(PACKAGE_ROOT, 'tests', 'fixtures', 'trainables', 'plain-functions.ts');
/** `./tests/fixtures/…/plain-functions.ts`: relative to the working folder, as a user writes it. */
const RELATIVE = `./${path.relative(process.cwd(), MODULE)}`;

const countPoints = (dataset: Parameters<typeof runTrial>[0]['dataset']) =>
  runTrial({
    trainable: `${RELATIVE}#countPoints`,
    params: {},
    train: { epochs: 1 },
    backend: 'wasm',
    ...(dataset ? { dataset } : {}),
  }).then((result) => result.final['points']);

describe('runTrial with a plug-in dataset', () => {
  it("takes the spec form, module './file.ts#export' relative to the working folder, without a name", async () => {
    expect(await countPoints({ module: `${RELATIVE}#points`, options: { count: 4 } })).toBe(4);
    expect(await countPoints({ name: 'points', module: `${RELATIVE}#points` })).toBe(3);
  });

  it('still takes module and export as two fields', async () => {
    expect(
      await countPoints({ name: 'points', module: MODULE, export: 'points', options: { count: 2 } }),
    ).toBe(2);
    expect(await countPoints({ module: RELATIVE, export: 'points', options: { count: 5 } })).toBe(5);
  });

  it('says what is wrong with a wrong name, export or file', async () => {
    await expect(countPoints({ name: 'other', module: `${RELATIVE}#points` })).rejects.toMatchObject({
      code: 'E_DATASET_NAME',
    });
    await expect(countPoints({ module: `${RELATIVE}#train` })).rejects.toMatchObject({
      code: 'E_NOT_A_DATASET',
    });
    await expect(countPoints({ module: './no-such-data.ts#points' })).rejects.toMatchObject({
      code: 'E_MODULE_NOT_FOUND',
      message: expect.stringContaining(path.join(process.cwd(), 'no-such-data.ts')),
    });
  });
});
