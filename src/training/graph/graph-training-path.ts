/**
 * A compiled training graph in its TensorFlow session, as a {@link TrainingPath}: one native `run` per
 * batch (forward, loss, TensorFlow's gradients, optimiser updates and batch-norm statistics together),
 * weights and optimiser slots living in the session's variables. Host arrays go in and sums come out;
 * the TF.js model only sees the weights when {@link GraphTrainingPath.syncModel} copies them back.
 */
import * as tf from '../backends/tfjs.js';
import { UserError } from '../../core/common/errors.js';
import type { CheckpointArray } from '../runner/checkpoint.js';
import { deriveSeed } from '../runner/seeding.js';
import type { BatchSums, HostArray, HostBatch, TrainingPath } from '../training-path.js';
import type { Feed, GraphAddon, SessionHandle } from './native.js';
import { checkOptimizerState, type GraphOptimizer } from './optimizers.js';
import { DataType } from './proto.js';
import type { BatchFeed, PassFetches, TrainingGraph, VariableNodes } from './training-graph.js';

/** What {@link GraphTrainingPath.inspect} returns. */
export interface StepInspection {
  lossSum: number;
  /** d(batch-mean loss)/d(weight) per trainable weight (null: the loss does not depend on it). */
  gradients: (Float32Array | null)[];
  /** Each training-pass Dropout's multiplier (0 or 1/keep), in call order. */
  dropoutMasks: Float32Array[];
}

/** Everything the session was assembled from. */
export interface CompiledSession {
  addon: GraphAddon;
  session: SessionHandle;
  graph: TrainingGraph;
  optimizer: GraphOptimizer;
  /** Gradient tensor per trainable weight (null: none). */
  gradients: (string | null)[];
  /** Target running one training step. */
  trainTarget: string;
  /** The serialised GraphDefs imported, in order, and the session's ConfigProto (diagnostics, tests). */
  graphDefs: Uint8Array[];
  config: Uint8Array;
}

function size(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** The first `count` examples of `data` as the feed's dtype (a view when it already is). */
function feedData(feed: BatchFeed, data: HostArray | undefined, count: number): Float32Array | Int32Array {
  const needed = count * size(feed.dims);
  if (data === undefined || data.length < needed)
    throw new UserError(
      'E_BAD_BATCH',
      `${feed.label} holds ${data?.length ?? 0} values for ${count} examples of shape [${feed.dims.join(',')}] (${needed} needed).`,
    );
  const rows = data.subarray(0, needed);
  if (feed.dtype === DataType.int32) return rows instanceof Int32Array ? rows : Int32Array.from(rows);
  return rows instanceof Float32Array ? rows : Float32Array.from(rows);
}

export class GraphTrainingPath implements TrainingPath {
  readonly mode = 'graph' as const;
  readonly optimizerIdentity: string;
  private iterations = 0;
  private closed = false;

  constructor(
    private readonly compiled: CompiledSession,
    private readonly model: tf.LayersModel,
    private readonly seed: number,
  ) {
    this.optimizerIdentity = compiled.optimizer.identity;
  }

  /** The session's pieces (for tests and diagnostics: the encoded graphs and config). */
  get session(): Readonly<CompiledSession> {
    return this.compiled;
  }

  private run(feeds: readonly Feed[], fetches: readonly string[], targets: readonly string[]) {
    if (this.closed) throw new Error('GraphTrainingPath: used after dispose()');
    return this.compiled.addon.run(this.compiled.session, feeds, fetches, targets);
  }

  private batchFeeds(batch: HostBatch, withSeeds: boolean): Feed[] {
    const { graph } = this.compiled;
    const { count } = batch;
    if (batch.inputs.length !== graph.inputs.length || batch.targets.length !== graph.targets.length)
      throw new UserError(
        'E_BAD_BATCH',
        `a batch has ${batch.inputs.length} input and ${batch.targets.length} target arrays; the model has ${graph.inputs.length} inputs and ${graph.targets.length} outputs.`,
      );
    const feed = (f: BatchFeed, data: HostArray | undefined): Feed => [
      f.placeholder,
      f.dtype,
      [count, ...f.dims],
      feedData(f, data, count),
    ];
    const feeds = [
      ...graph.inputs.map((f, i) => feed(f, batch.inputs[i])),
      ...graph.targets.map((f, i) => feed(f, batch.targets[i])),
    ];
    if (withSeeds) {
      // One key per (trial seed, epoch, step, dropout call): reruns and resumed runs draw the same masks.
      graph.dropout.forEach(({ seed }, index) => {
        const key = deriveSeed(this.seed, 'dropout', batch.epoch, batch.step, index) | 0;
        feeds.push([seed, DataType.int32, [2], Int32Array.of(key, index)]);
      });
    }
    return feeds;
  }

  private sums(pass: PassFetches, fetched: { data: Float32Array | Int32Array }[]): BatchSums {
    const metricSums: Record<string, number> = {};
    Object.keys(pass.metricSums).forEach(
      (metric, i) => (metricSums[metric] = Number(fetched[i + 1]!.data[0])),
    );
    return { lossSum: Number(fetched[0]!.data[0]), metricSums };
  }

  private fetches(pass: PassFetches): string[] {
    return [pass.lossSum, ...Object.values(pass.metricSums)];
  }

  trainBatch(batch: HostBatch): BatchSums {
    const { graph, optimizer, trainTarget } = this.compiled;
    const fetched = this.run(
      [...this.batchFeeds(batch, true), ...optimizer.stepFeeds()],
      this.fetches(graph.train),
      [trainTarget],
    );
    this.iterations += 1;
    optimizer.afterStep();
    return this.sums(graph.train, fetched);
  }

  evaluateBatch(batch: HostBatch): BatchSums {
    const { graph } = this.compiled;
    return this.sums(
      graph.evaluate,
      this.run(this.batchFeeds(batch, false), this.fetches(graph.evaluate), []),
    );
  }

  /** One training step's loss, gradients and dropout masks, without applying anything. */
  inspect(batch: HostBatch): StepInspection {
    const { graph, gradients } = this.compiled;
    const present = gradients.filter((g): g is string => g !== null);
    const fetched = this.run(
      this.batchFeeds(batch, true),
      [graph.train.lossSum, ...present, ...graph.dropout.map((d) => d.mask)],
      [],
    );
    let next = 1;
    const values = gradients.map((g) => (g === null ? null : (fetched[next++]!.data as Float32Array)));
    return {
      lossSum: Number(fetched[0]!.data[0]),
      gradients: values,
      dropoutMasks: fetched.slice(next).map((f) => f.data as Float32Array),
    };
  }

  private read(variables: readonly VariableNodes[]): Float32Array[] {
    if (variables.length === 0) return [];
    return this.run(
      [],
      variables.map((v) => v.read),
      [],
    ).map((f) => f.data as Float32Array);
  }

  /** Every weight's current value in `model.weights` order, as {@link restore} takes them. */
  weights(): CheckpointArray[] {
    const { graph } = this.compiled;
    return this.read(graph.weights).map((data, i) => ({
      name: graph.weights[i]!.name,
      shape: [...graph.weights[i]!.shape],
      data,
    }));
  }

  syncModel(): void {
    const values = this.read(this.compiled.graph.weights);
    tf.tidy(() => {
      this.model.weights.forEach((weight, i) =>
        weight.write(tf.tensor(values[i]!, weight.shape as number[], 'float32')),
      );
    });
  }

  optimizerState(): CheckpointArray[] {
    const { graph, optimizer } = this.compiled;
    const slots = this.read(graph.slots).map((data, i) => ({
      name: graph.slots[i]!.name,
      shape: [...graph.slots[i]!.shape],
      data,
    }));
    return [
      { name: 'iter', shape: [], data: Int32Array.of(this.iterations) },
      ...slots,
      ...optimizer.extras(),
    ];
  }

  restore(weights: readonly CheckpointArray[], optimizerState: readonly CheckpointArray[]): void {
    const { graph, optimizer } = this.compiled;
    if (weights.length !== graph.weights.length)
      throw new UserError(
        'E_CHECKPOINT_MISMATCH',
        `the checkpoint has ${weights.length} weights; the model has ${graph.weights.length}.`,
      );
    const weightFeeds = graph.weights.map((w, i): Feed => {
      const saved = weights[i]!;
      if (saved.data.length !== size(w.shape) || !(saved.data instanceof Float32Array))
        throw new UserError(
          'E_CHECKPOINT_MISMATCH',
          `checkpoint weight '${saved.name}' holds ${saved.data.length} values; model weight ${w.name} has ${size(w.shape)} (float32).`,
        );
      return [w.value, DataType.float, w.shape, saved.data];
    });
    // An empty optimiser state starts the optimiser afresh (tf.train's zero slots).
    const state =
      optimizerState.length === 0
        ? { iterations: 0, slots: this.initialSlots() }
        : checkOptimizerState(
            optimizer,
            graph.trainable.map((i) => graph.weights[i]!),
            optimizerState,
          );
    const slotFeeds = graph.slots.map((s, i): Feed => [
      s.value,
      DataType.float,
      s.shape,
      state.slots[i]!.data,
    ]);
    this.run([...weightFeeds, ...slotFeeds], [], [graph.assignWeights, graph.assignSlots]);
    this.iterations = state.iterations;
    optimizer.restoreExtras(state.iterations, optimizerState);
  }

  /** Slots as tf.train creates them at the first step. */
  initialSlots(): CheckpointArray[] {
    const { graph, optimizer } = this.compiled;
    const perKind = graph.trainable.length;
    return graph.slots.map((s, i) => ({
      name: s.name,
      shape: s.shape,
      data: new Float32Array(size(s.shape)).fill(optimizer.slotKinds[Math.floor(i / perKind)]!.initial),
    }));
  }

  dispose(): void {
    if (!this.closed) this.compiled.addon.close(this.compiled.session);
    this.closed = true;
  }
}
