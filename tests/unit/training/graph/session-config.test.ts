/**
 * Device placement of compiled graphs: on `gpu` every node the compiler writes names /device:GPU:0 and
 * the session config allows soft placement and memory growth (checked as encoded bytes: there is no
 * GPU here). With the addon built, a GPU-placed graph runs on this CPU-only host only because of soft
 * placement, which shows the field is the one TensorFlow reads.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileGraphPath } from '../../../../src/training/graph/compile-model.js';
import { loadGraphAddon } from '../../../../src/training/graph/native.js';
import { decodeConfig, decodeGraphDef } from '../../../../src/training/graph/proto.js';
import {
  LOG_PLACEMENT_ENV,
  graphDevice,
  sessionConfig,
} from '../../../../src/training/graph/session-config.js';
import { graphSkipReason, useTensorflowBackend } from './zoo.js';

const threads = { intraOpThreads: 2, interOpThreads: 1 };

/** True when `needle` occurs in `bytes`. */
function contains(bytes: Uint8Array, needle: readonly number[]): boolean {
  return Buffer.from(bytes).includes(Buffer.from(needle));
}

describe('session config', () => {
  it('asks for soft placement and memory growth on gpu only', () => {
    const gpu = sessionConfig(threads, 'gpu', {});
    expect(decodeConfig(gpu)).toEqual({
      intraOpParallelismThreads: 2,
      interOpParallelismThreads: 1,
      usePerSessionThreads: true,
      allowSoftPlacement: true,
      gpuOptions: { allowGrowth: true },
    });
    // As TensorFlow's own ConfigProto serialises them: gpu_options (6) { allow_growth (4) }, allow_soft_placement (7).
    expect(contains(gpu, [0x32, 0x02, 0x20, 0x01])).toBe(true);
    expect(contains(gpu, [0x38, 0x01])).toBe(true);
    expect(decodeConfig(sessionConfig(threads, 'cpu', {}))).toEqual({
      intraOpParallelismThreads: 2,
      interOpParallelismThreads: 1,
      usePerSessionThreads: true,
    });
  });

  it(`logs placement when ${LOG_PLACEMENT_ENV}=1`, () => {
    const config = sessionConfig(threads, 'cpu', { [LOG_PLACEMENT_ENV]: '1' });
    expect(decodeConfig(config)).toMatchObject({ logDevicePlacement: true });
    expect(contains(config, [0x40, 0x01])).toBe(true); // log_device_placement (8)
  });

  it('names the device of gpu nodes', () => {
    expect(graphDevice('gpu')).toBe('/device:GPU:0');
    expect(graphDevice('cpu')).toBeUndefined();
  });
});

const skip = graphSkipReason();
describe.skipIf(skip !== undefined)(`a graph compiled for gpu${skip ? ` (skipped: ${skip})` : ''}`, () => {
  beforeAll(useTensorflowBackend);

  it('places every node it writes on GPU:0 and still runs here through soft placement', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3, activation: 'relu' }),
        tf.layers.batchNormalization(),
        tf.layers.flatten(),
        tf.layers.dropout({ rate: 0.5 }),
        tf.layers.dense({ units: 2, activation: 'softmax' }),
      ],
    });
    const path = compileGraphPath({
      model,
      loss: { name: 'sparseCategoricalCrossentropy' },
      metrics: ['accuracy'],
      optimizer: { name: 'adam', learningRate: 0.01 },
      seed: 1,
      threads,
      device: 'gpu',
    });
    if ('reason' in path) throw new Error(path.reason);
    try {
      const { graphDefs, config } = path.session;
      expect(graphDefs).toHaveLength(2);
      for (const graphDef of graphDefs) {
        const nodes = decodeGraphDef(graphDef);
        expect(nodes.length).toBeGreaterThan(10);
        expect(nodes.filter((n) => n.device !== '/device:GPU:0').map((n) => n.name)).toEqual([]);
      }
      expect(decodeConfig(config)).toMatchObject({
        allowSoftPlacement: true,
        gpuOptions: { allowGrowth: true },
      });
      const sums = path.trainBatch({
        inputs: [new Float32Array(4 * 72).fill(0.5)],
        targets: [Int32Array.of(0, 1, 0, 1)],
        count: 4,
        epoch: 1,
        step: 0,
      });
      expect(Number.isFinite(sums.lossSum)).toBe(true);

      // Without soft placement the same nodes cannot run on this CPU-only host.
      const addon = (
        loadGraphAddon() as { addon: import('../../../../src/training/graph/native.js').GraphAddon }
      ).addon;
      const strict = addon.graph();
      try {
        addon.importGraph(strict, graphDefs[0]!, [], []);
        addon.start(strict, sessionConfig(threads, 'cpu', {}));
        const weight = path.session.graph.weights[0]!;
        expect(() => addon.run(strict, [], [weight.read], [])).toThrow(/GPU:0/);
      } finally {
        addon.close(strict);
      }
    } finally {
      path.dispose();
    }
  });
});
