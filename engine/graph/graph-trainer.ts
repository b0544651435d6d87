/**
 * Trains a compiled classifier graph (classifier-graph.ts) in a TensorFlow session: one native
 * call per batch. Weights start from the TF.js model's seeded initialisation and go back into it at
 * the end (for saving and serving); optimiser state is plain Float32Arrays for checkpoints.
 */
import os from 'node:os';
import type * as tf from '@tensorflow/tfjs';
import type { CheckpointArray } from '../checkpoint.js';
import { OptimizerName } from '../types.js';
import { compileClassifier, type ClassifierGraph, type GraphOptimizer } from './classifier-graph.js';
import { loadGraphAddon, type Feed, type GraphAddon, type SessionHandle } from './native.js';
import { DataType, encodeConfig } from './proto.js';

/** Thread pools of a session: intra-op (within an op) and inter-op (independent ops at once). */
export interface SessionThreads {
  intraOpThreads: number;
  interOpThreads: number;
}

let containers = 0;

/** Options of {@link GraphTrainer.create}. */
export interface GraphTrainerOptions extends GraphOptimizer {
  model: tf.LayersModel;
  threads: SessionThreads;
}

export class GraphTrainer {
  private iterations = 0;
  private closed = false;

  private constructor(
    private readonly addon: GraphAddon,
    private readonly session: SessionHandle,
    private readonly graph: ClassifierGraph,
    private readonly optimizer: GraphOptimizer,
  ) {}

  /** A trainer for `model`, or why there is none (addon missing, a layer without graph form). */
  static create(options: GraphTrainerOptions): GraphTrainer | { reason: string } {
    const loaded = loadGraphAddon();
    if ('reason' in loaded) return loaded;
    const container = `seedsweep_${process.pid}_${++containers}_${Math.random().toString(36).slice(2)}`;
    const graph = compileClassifier(options.model, options, container);
    if ('reason' in graph) return graph;
    const session = loaded.addon.open(graph.graphDef, encodeConfig(options.threads));
    const trainer = new GraphTrainer(loaded.addon, session, graph, options);
    const initial = options.model.trainableWeights.map((w) => w.read().dataSync() as Float32Array);
    trainer.assign(initial, trainer.zeroSlots());
    return trainer;
  }

  /** Optimiser class name (as in checkpoints of the TF.js path). */
  get className(): string {
    return { [OptimizerName.adam]: 'Adam', [OptimizerName.rmsprop]: 'RMSProp', [OptimizerName.sgd]: 'SGD' }[
      this.optimizer.optimizer
    ];
  }

  private zeroSlots(): Float32Array[] {
    return this.graph.slots.map((s) => new Float32Array(s.shape.reduce((a, b) => a * b, 1)));
  }

  private assign(weights: readonly Float32Array[], slots: readonly Float32Array[]): void {
    const feeds: Feed[] = [
      ...this.graph.weights.map((w, i): Feed => [w.value, DataType.float, w.shape, weights[i]!]),
      ...this.graph.slots.map((s, i): Feed => [s.value, DataType.float, s.shape, slots[i]!]),
    ];
    this.addon.run(this.session, feeds, [], [this.graph.assignAll]);
  }

  private feedBatch(pixels: Float32Array, labels: Int32Array, count: number, imageShape: readonly number[]) {
    const size = imageShape.reduce((a, b) => a * b, 1);
    return [
      [this.graph.feeds.images, DataType.float, [count, ...imageShape], pixels.subarray(0, count * size)],
      [this.graph.feeds.labels, DataType.int32, [count], labels.subarray(0, count)],
    ] satisfies Feed[];
  }

  /** One optimiser step on the first `count` images; returns the batch's summed loss and hits. */
  step(
    pixels: Float32Array,
    labels: Int32Array,
    count: number,
    imageShape: readonly number[],
  ): { lossSum: number; correct: number } {
    const t = this.iterations + 1;
    // β^t as float32 running products, like tf.train.adam and Keras keep them.
    const feeds: Feed[] = [
      ...this.feedBatch(pixels, labels, count, imageShape),
      [this.graph.feeds.inverseBatch, DataType.float, [], Float32Array.of(1 / count)],
      [this.graph.feeds.beta1Power, DataType.float, [], Float32Array.of(0.9 ** t)],
      [this.graph.feeds.beta2Power, DataType.float, [], Float32Array.of(0.999 ** t)],
    ];
    const [loss, correct] = this.addon.run(
      this.session,
      this.optimizer.optimizer === OptimizerName.adam ? feeds : feeds.slice(0, 3),
      [this.graph.lossSum, this.graph.correct],
      [this.graph.train],
    );
    this.iterations = t;
    return { lossSum: loss!.data[0]!, correct: correct!.data[0]! };
  }

  /** Summed loss and hits of a batch without training. */
  evaluate(pixels: Float32Array, labels: Int32Array, count: number, imageShape: readonly number[]) {
    const [loss, correct] = this.addon.run(
      this.session,
      this.feedBatch(pixels, labels, count, imageShape),
      [this.graph.lossSum, this.graph.correct],
      [],
    );
    return { lossSum: loss!.data[0]!, correct: correct!.data[0]! };
  }

  /** Current weights, in `model.trainableWeights` order. */
  weights(): Float32Array[] {
    return this.addon
      .run(
        this.session,
        [],
        this.graph.weights.map((w) => w.read),
        [],
      )
      .map((f) => f.data as Float32Array);
  }

  /** Optimiser state: `iter`, then the slots; checkpoint layout of the TF.js path's optimisers. */
  getState(): CheckpointArray[] {
    const slots = this.graph.slots.length
      ? this.addon.run(
          this.session,
          [],
          this.graph.slots.map((s) => s.read),
          [],
        )
      : [];
    return [
      { name: 'iter', shape: [], data: Int32Array.of(this.iterations) },
      ...slots.map((f, i) => ({
        name: `slot${i}`,
        shape: this.graph.slots[i]!.shape,
        data: f.data,
      })),
    ];
  }

  /** Restores weights and a {@link getState} state. */
  restore(weights: readonly Float32Array[], state: readonly CheckpointArray[]): void {
    const [iter, ...slots] = state;
    this.iterations = iter ? Number(iter.data[0]) : 0;
    this.assign(
      weights,
      slots.map((s) => Float32Array.from(s.data as ArrayLike<number>)),
    );
  }

  close(): void {
    if (!this.closed) this.addon.close(this.session);
    this.closed = true;
  }
}

/**
 * Threads of each trial's session: `SEEDSWEEP_TF_THREADS` (set by the worker pool from the number of
 * trials it runs at once), else every core. Inter-op threads follow intra-op: the gradient of a
 * layer's weights and of its input can then run side by side.
 */
export const TF_THREADS_ENV = 'SEEDSWEEP_TF_THREADS';

export function sessionThreads(env: NodeJS.ProcessEnv = process.env): SessionThreads {
  const raw = env[TF_THREADS_ENV];
  const parsed = raw === undefined ? NaN : Number(raw);
  const threads = Number.isInteger(parsed) && parsed >= 1 ? parsed : os.availableParallelism();
  return { intraOpThreads: threads, interOpThreads: threads };
}
