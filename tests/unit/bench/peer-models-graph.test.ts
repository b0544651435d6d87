/**
 * The peer bench's user models train on the native backend's compiled TensorFlow graph, not op by
 * op: each trained for one epoch through `runTrial` by module reference, as a user's trainable runs.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../src/core/common/paths.js';
import { runTrial } from '../../../src/interfaces/api/index.js';
import { graphSkipReason, useTensorflowBackend } from '../training/graph/zoo.js';

const skip = graphSkipReason();

describe.skipIf(skip !== undefined)(`bench:peer user models${skip ? ` (skipped: ${skip})` : ''}`, () => {
  beforeAll(useTensorflowBackend);

  it.each(['cnn3User', 'resnetUser', 'sepcnnUser'])('%s trains on the compiled graph', async (name) => {
    const notices: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    // The fit loop names the layer the model compiler cannot take on stderr.
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      notices.push(String(chunk));
      return write(chunk, ...rest);
    }) as typeof process.stderr.write;
    try {
      const result = await runTrial({
        trainable: `${path.join(PACKAGE_ROOT, 'bench', 'peer-models.ts')}#${name}`,
        params: { batch_size: 32 },
        seed: 0,
        train: { epochs: 1 },
        dataset: { name: 'synthetic', trainSize: 96, testSize: 32 },
        backend: 'tensorflow',
      });
      expect(notices.filter((n) => n.includes('op by op'))).toEqual([]);
      expect(result.trainingPath).toBe('graph');
      expect(result.backend.name).toBe('tensorflow');
      expect(Number.isFinite(result.final['trainLoss'])).toBe(true);
      expect(result.final['testAccuracy']).toBeGreaterThanOrEqual(0);
    } finally {
      process.stderr.write = write;
    }
  });
});
