/**
 * Entry of a piscina thread: trains one trial per task with its trainable. The dataset arrives in the
 * task message (a built-in split's store is backed by SharedArrayBuffers: shared, not copied); progress goes back on a
 * MessagePort after every epoch; a shared stop flag is checked at epoch boundaries. Errors are
 * returned as data so that their class and fields survive the thread boundary.
 */
import type { MessagePort } from 'node:worker_threads';
import { workerData } from 'piscina';
import {
  backendNotice,
  initBackend,
  type BackendName,
  type NativeBackendName,
} from '../training/backends/backend.js';
import { TF_THREADS_ENV } from '../training/graph/session-config.js';
import { serializeError, type SerializedError } from '../training/runner/errors.js';
import { trainTrial } from './trainer.js';
import type { DamagedCheckpointPolicy } from '../training/runner/run-trainable.js';
import type { EpochMetrics, Trial, TrialResult } from '../training/runner/types.js';

/** What the pool sends to a thread for one trial. */
export interface ThreadTask {
  trial: Trial;
  /** The loaded dataset (structured-cloned into the thread; SharedArrayBuffers are shared). */
  dataset: unknown;
  datasetFingerprint: string;
  checkpointDir?: string;
  resume?: boolean;
  onDamagedCheckpoint?: DamagedCheckpointPolicy;
  failAtEpoch?: number;
  modelDir?: string;
  /** Backend this trial must train on; omitted ⇒ the thread's (see {@link ThreadData}). */
  backend?: string;
  /** Threads of the trial's TensorFlow session (native backend). */
  tfThreads?: number;
  /** Receives {@link ThreadProgress} messages; closed by the thread when the trial ends. */
  port: MessagePort;
  /** `[0] !== 0` asks the trial to stop after the current epoch's checkpoint. */
  stopFlag: Int32Array;
}

/**
 * Messages on {@link ThreadTask.port}: a `notice` for the user (at most once per thread, before the
 * first epoch), one `epoch` per epoch, then `done`.
 */
export type ThreadProgress =
  | { type: 'notice'; text: string }
  | { type: 'native-loaded'; backend: NativeBackendName }
  | { type: 'epoch'; metrics: EpochMetrics }
  | { type: 'done' };

/** What a thread returns for one task. */
export type ThreadOutcome = { ok: true; result: TrialResult } | { ok: false; error: SerializedError };

/** Data the pool gives every thread when it starts. */
export interface ThreadData {
  /** Backend to initialise once per thread; omitted ⇒ automatic selection. */
  backend?: string;
}

/** This thread already passed on the backend notice. */
let noticeSent = false;
/** This thread already told the pool that it loaded libtensorflow. */
let nativeReported = false;

/** `SEEDSWEEP_TF_THREADS` as the user set it (it wins over the pool's share of the cores). */
const USER_TF_THREADS = process.env[TF_THREADS_ENV];

export default async function runTrialTask(task: ThreadTask): Promise<ThreadOutcome> {
  try {
    const data = (workerData ?? {}) as ThreadData;
    // initBackend caches per thread: only the first task pays for it (a task naming another backend switches).
    const wanted = task.backend ?? data.backend;
    const backend = await initBackend(wanted ? { backend: wanted as BackendName, strict: true } : {});
    // Each worker thread has its own copy of process.env: this sizes only this trial's session.
    if (task.tfThreads !== undefined && USER_TF_THREADS === undefined)
      process.env[TF_THREADS_ENV] = String(task.tfThreads);
    if (!nativeReported && (backend.name === 'tensorflow' || backend.name === 'tensorflow-gpu')) {
      // The pool pins the library in the main thread before this thread can end (src/training/backends/native-library-pin.ts).
      nativeReported = true;
      task.port.postMessage({ type: 'native-loaded', backend: backend.name } satisfies ThreadProgress);
    }
    const notice = backendNotice();
    if (notice !== undefined && !noticeSent) {
      noticeSent = true;
      task.port.postMessage({ type: 'notice', text: notice } satisfies ThreadProgress);
    }
    const result = await trainTrial({
      trial: task.trial,
      dataset: task.dataset,
      datasetFingerprint: task.datasetFingerprint,
      ...(task.checkpointDir !== undefined ? { checkpointDir: task.checkpointDir } : {}),
      ...(task.resume !== undefined ? { resume: task.resume } : {}),
      ...(task.onDamagedCheckpoint !== undefined ? { onDamagedCheckpoint: task.onDamagedCheckpoint } : {}),
      ...(task.failAtEpoch !== undefined ? { failAtEpoch: task.failAtEpoch } : {}),
      ...(task.modelDir !== undefined ? { modelDir: task.modelDir } : {}),
      onEpoch: (metrics) => task.port.postMessage({ type: 'epoch', metrics } satisfies ThreadProgress),
      shouldStop: () => Atomics.load(task.stopFlag, 0) !== 0,
    });
    return { ok: true, result: { ...result, backend } };
  } catch (error) {
    return { ok: false, error: serializeError(error) };
  } finally {
    task.port.postMessage({ type: 'done' } satisfies ThreadProgress);
    task.port.close();
  }
}
