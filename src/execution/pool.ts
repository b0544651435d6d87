/**
 * A piscina pool of training threads, one trial per thread at a time: what a worker process hosts.
 * Datasets are loaded once per process in the calling thread and handed to threads as splits over
 * SharedArrayBuffers (no copies). Each thread initialises its TF.js backend once.
 */
import os from 'node:os';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { resolveWorkerScript } from '../core/common/worker-script.js';
import { datasetCacheKey, loadDataset, type LoadedDataset } from '../datasets/plugins.js';
import type { DatasetSpec } from '../core/domain/dataset.js';
import { quietTensorFlowLogs } from '../training/backends/backend.js';
import { keepNativeLibraryLoaded } from '../training/backends/native-library-pin.js';
import { deserializeError } from '../training/runner/errors.js';
import type { ThreadData, ThreadOutcome, ThreadProgress, ThreadTask } from './trial-thread.js';
import type { DamagedCheckpointPolicy } from '../training/runner/run-trainable.js';
import type { EpochMetrics, Trial, TrialResult } from '../training/runner/types.js';

/** One trial for the pool (the dataset comes from `trial.config.dataset`). */
export interface TrialTask {
  trial: Trial;
  /** Train on exactly this backend (failing if it cannot load); omitted ⇒ the pool's backend. */
  backend?: string;
  /** Folder for the trial's per-epoch checkpoints. */
  checkpointDir?: string;
  /** Continue from the latest checkpoint in `checkpointDir`. @default false */
  resume?: boolean;
  /** A damaged latest checkpoint: refused, or passed over for the previous one (a sweep's trials). @default 'refuse' */
  onDamagedCheckpoint?: DamagedCheckpointPolicy;
  /** Test fault injection: fail right after the checkpoint of this epoch (see `InjectedFaultError`). */
  failAtEpoch?: number;
  /** Save the trained model here. */
  modelDir?: string;
}

/** Options of {@link TrialPool.create}. */
export interface TrialPoolOptions {
  /** Training threads (each runs one trial at a time). @default os.availableParallelism() */
  threads?: number;
  /** TF.js backend every thread initialises (`wasm`, `cpu`, `tensorflow`, …). @default automatic selection */
  backend?: string;
  /** Loads a dataset in this thread; each distinct spec is loaded once per pool. @default `loadDataset` from src/datasets/ */
  loadDataset?: (spec: DatasetSpec) => Promise<LoadedDataset>;
  /**
   * Receives the threads' notices for the user (which backend they train on when automatic selection
   * fell back from the native one, and why), each distinct one once per process. @default stderr
   */
  onNotice?: (line: string) => void;
}

/** Notices already shown in this process: every thread (and every pool) sends the same one. */
const shownNotices = new Set<string>();

/** Options of {@link TrialPool.run}. */
export interface RunTrialOptions {
  /** Called in this thread after each epoch, while the trial runs. */
  onEpoch?: (metrics: EpochMetrics) => void;
  /**
   * Abort ⇒ the trial stops after the next epoch's checkpoint (or before its first epoch, if still
   * queued) and `run` rejects with `TrialStoppedError`. An abort during the last epoch lets it finish.
   */
  signal?: AbortSignal;
}

export class TrialPool {
  private readonly datasets = new Map<string, Promise<LoadedDataset>>();

  private constructor(
    private readonly piscina: Piscina,
    private readonly loader: (spec: DatasetSpec) => Promise<LoadedDataset>,
    private readonly onNotice: (line: string) => void,
  ) {}

  /**
   * Makes the pool; a thread starts with the first task that finds none free (and loads TF.js and the
   * backend then). Started eagerly, two idle threads cost a sweep whose trials were all reused ~2 s of
   * CPU (a CLI `run` of a finished quickstart: 7.2 s → 5.1 s, 2026-12-07), as they do every worker
   * process that ends before it has as many trials as threads.
   */
  static async create(options: TrialPoolOptions = {}): Promise<TrialPool> {
    const threads = options.threads ?? os.availableParallelism();
    if (!Number.isInteger(threads) || threads < 1)
      throw new RangeError(`TrialPool: threads must be an integer ≥ 1; got ${threads}`);
    // Before the threads start: TensorFlow reads its log level from the process environment.
    quietTensorFlowLogs();
    const script = resolveWorkerScript(import.meta.url, './trial-thread');
    const workerData: ThreadData = options.backend ? { backend: options.backend } : {};
    const piscina = new Piscina({
      filename: script.filename,
      execArgv: script.execArgv,
      minThreads: 0,
      maxThreads: threads,
      // The environment as it is now, as when threads started here: a later thread must not see
      // what changed since.
      env: { ...process.env },
      concurrentTasksPerWorker: 1,
      idleTimeout: Number.POSITIVE_INFINITY,
      workerData,
    });
    return new TrialPool(
      piscina,
      options.loadDataset ?? loadDataset,
      options.onNotice ?? ((line) => void process.stderr.write(`${line}\n`)),
    );
  }

  /** Number of training threads. */
  get threads(): number {
    return this.piscina.options.maxThreads;
  }

  /**
   * Threads of each trial's TensorFlow session (native backend): the cores shared by the trials
   * running at once. Measured on 2 cores (bench:peer): two 1-thread trials beat one 2-thread trial
   * after another for all three study models, so a worker's default of one trial per core stands.
   */
  get tfThreads(): number {
    return Math.max(1, Math.floor(os.availableParallelism() / this.threads));
  }

  /** The data of a dataset spec, loaded once per pool (a built-in's store once per process). */
  private dataset(spec: DatasetSpec): Promise<LoadedDataset> {
    const key = datasetCacheKey(spec);
    let pending = this.datasets.get(key);
    if (!pending) {
      pending = this.loader(spec);
      this.datasets.set(key, pending);
      pending.catch(() => this.datasets.delete(key));
    }
    return pending;
  }

  /** Trains one trial on a free thread (queued while all are busy). */
  async run(task: TrialTask, options: RunTrialOptions = {}): Promise<TrialResult> {
    const { onEpoch, signal } = options;
    const dataset = await this.dataset(task.trial.config.dataset);
    const store = (
      dataset.value as { store?: { images?: Uint8Array; labels?: Uint8Array; name?: string } } | undefined
    )?.store;
    if (
      store?.images &&
      (!(store.images.buffer instanceof SharedArrayBuffer) ||
        !(store.labels?.buffer instanceof SharedArrayBuffer))
    ) {
      // An ordinary ArrayBuffer would be copied into every task message.
      throw new Error(`TrialPool: the ${store.name} image store is not backed by SharedArrayBuffers`);
    }
    const stopFlag = new Int32Array(new SharedArrayBuffer(4));
    const requestStop = () => Atomics.store(stopFlag, 0, 1);
    if (signal?.aborted) requestStop();
    signal?.addEventListener('abort', requestStop, { once: true });
    const { port1, port2 } = new MessageChannel();
    // Epoch messages and the task result travel on different ports: wait for `done` so none is lost.
    const drained = new Promise<void>((resolve) => {
      port1.on('message', (message: ThreadProgress) => {
        if (message.type === 'done') resolve();
        else if (message.type === 'notice') this.notice(message.text);
        else if (message.type === 'native-loaded') keepNativeLibraryLoaded(message.backend);
        else onEpoch?.(message.metrics);
      });
      port1.on('close', () => resolve());
    });
    try {
      const threadTask: ThreadTask = {
        ...task,
        tfThreads: this.tfThreads,
        dataset: dataset.value,
        datasetFingerprint: dataset.fingerprint,
        port: port2,
        stopFlag,
      };
      const outcome = (await this.piscina.run(threadTask, { transferList: [port2] })) as ThreadOutcome;
      await drained;
      if (!outcome.ok) throw deserializeError(outcome.error);
      return outcome.result;
    } finally {
      signal?.removeEventListener('abort', requestStop);
      port1.close();
    }
  }

  private notice(line: string): void {
    if (shownNotices.has(line)) return;
    shownNotices.add(line);
    this.onNotice(line);
  }

  /** Stops the threads; trials still running are abandoned (their last checkpoint remains). */
  async destroy(): Promise<void> {
    await this.piscina.destroy();
  }
}
