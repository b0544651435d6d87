/**
 * A small MLflow tracking REST client (axios): experiments, runs, batched logging, search, metric
 * history and artifacts through the tracking server's proxied artifact API (`mlflow server
 * --serve-artifacts`). Configured the MLflow way (`MLFLOW_TRACKING_URI`, `MLFLOW_TRACKING_TOKEN` or
 * `MLFLOW_TRACKING_USERNAME`/`MLFLOW_TRACKING_PASSWORD`). Retries throttling, server and network
 * errors with exponential backoff and jitter; run creation, which must not happen twice, is retried
 * only when the server surely did not process it.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import type { z } from 'zod';
import { UserError } from '../core/common/errors.js';
import { faultPoint } from '../core/common/fault-points.js';
import { chunkLogBatch, type KeyValue, type MetricPoint } from './log-batch-chunks.js';
import { ANSWER, answerProblem, type RawRun } from './mlflow-answers.js';
import {
  isRedirect,
  MlflowAnswerError,
  MlflowRequestError,
  MlflowUnavailableError,
} from './mlflow-errors.js';
import { backoffDelayMs, isRetryableStatus, retryAfterMs } from './retry-policy.js';

export type { KeyValue, MetricPoint } from './log-batch-chunks.js';

export interface MlflowClientOptions {
  /** Tracking server URL, e.g. `http://127.0.0.1:5000`. Credentials in the URL are used as Basic auth and never printed. */
  trackingUri: string;
  /** Bearer token (`MLFLOW_TRACKING_TOKEN`); takes precedence over username/password. */
  token?: string;
  /** Basic-auth user (`MLFLOW_TRACKING_USERNAME`). */
  username?: string;
  /** Basic-auth password (`MLFLOW_TRACKING_PASSWORD`). */
  password?: string;
  /**
   * Per-request timeout in milliseconds: how long the server may stay silent, and how long a JSON answer
   * may take in all (artifact transfers, which may be large, are bounded by silence only). @default 30000
   */
  timeoutMs?: number;
  /**
   * The largest JSON answer read, in bytes (a page of 1,000 runs with their data is a few MiB): a server
   * or proxy sending more is not MLflow, and reading it whole would grow memory without bound.
   * @default 268435456 (256 MiB)
   */
  maxAnswerBytes?: number;
  /** Retries after the first attempt of a retryable request. @default 5 */
  maxRetries?: number;
  /** Backoff scale of the first retry, in milliseconds (doubles per retry, full jitter). @default 250 */
  retryBaseDelayMs?: number;
  /** Cap of a single backoff delay, in milliseconds. @default 10000 */
  retryMaxDelayMs?: number;
}

export type MlflowRunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

/** A run as returned by the server, with tags, params and latest metrics as plain maps. */
export interface MlflowRun {
  runId: string;
  experimentId: string;
  runName: string;
  status: MlflowRunStatus;
  /** Milliseconds since the epoch. */
  startTime: number;
  endTime?: number;
  artifactUri: string;
  lifecycleStage: string;
  tags: Record<string, string>;
  params: Record<string, string>;
  /** Latest value of each metric. */
  metrics: Record<string, number>;
}

export interface ArtifactEntry {
  /** Path relative to the run's artifact root, `/`-separated. */
  path: string;
  isDir: boolean;
  /** Bytes, for files. */
  size?: number;
}

/** An experiment as the client reads it. */
interface ExperimentInfo {
  id: string;
  lifecycleStage?: string;
  /** Where its runs keep their artifacts, e.g. `mlflow-artifacts:/1` (proxied) or `/srv/mlruns/1` (not). */
  artifactLocation?: string;
}

/** The fields of MLflow's `Experiment` read here (`artifact_location` is read only when it is text). */
type RawExperiment = { experiment_id: string; lifecycle_stage?: string; artifact_location?: unknown };

/** What to do about a tracking server that does not proxy artifacts. */
const NOT_PROXIED_FIX =
  'start it with `mlflow server --serve-artifacts --artifacts-destination <folder>` and without ' +
  '`--default-artifact-root <local path>`, or unset MLFLOW_TRACKING_URI so that seedsweep starts its own ' +
  'local server, which does (`seedsweep services` lists it).';

/** How a request may be retried: `always` for idempotent requests, `unsent` only when the server surely did not process it. */
type RetryMode = 'always' | 'unsent';

interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT';
  /** Path under the tracking URI, e.g. `/api/2.0/mlflow/runs/create`. */
  endpoint: string;
  params?: Record<string, string | number>;
  data?: unknown;
  binary?: boolean;
  retry?: RetryMode;
  /** The shape of a JSON answer (see mlflow-answers.ts). @default ANSWER.empty */
  answer?: z.ZodType;
}

const API = '/api/2.0/mlflow';
const ARTIFACTS_API = '/api/2.0/mlflow-artifacts/artifacts';
/** Network errors that mean the request never reached the server, so even a non-idempotent one may be resent. */
const UNSENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

export class MlflowClient {
  /** Tracking URI without credentials: safe to print. */
  readonly trackingUri: string;
  private readonly http: AxiosInstance;
  private readonly maxRetries: number;
  private readonly timeoutMs: number;
  private readonly maxAnswerBytes: number;
  private readonly retryBaseDelayMs: number;
  private readonly retryMaxDelayMs: number;
  private readonly artifactRoots = new Map<string, string>();

  constructor(options: MlflowClientOptions) {
    let url: URL;
    try {
      url = new URL(options.trackingUri);
    } catch {
      throw new UserError(
        'E_MLFLOW_URI',
        'MLFLOW_TRACKING_URI is not a URL; expected e.g. http://127.0.0.1:5000.',
      );
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new UserError(
        'E_MLFLOW_URI',
        `MLFLOW_TRACKING_URI uses '${url.protocol}'; seedsweep talks to a tracking server over http(s), e.g. http://127.0.0.1:5000.`,
      );
    }
    const urlUser = decodeURIComponent(url.username);
    const urlPassword = decodeURIComponent(url.password);
    url.username = '';
    url.password = '';
    this.trackingUri = url.toString().replace(/\/+$/, '');
    const headers: Record<string, string> = {};
    const username = options.username ?? (urlUser || undefined);
    const password = options.password ?? (urlPassword || undefined);
    if (options.token) headers['Authorization'] = `Bearer ${options.token}`;
    else if (username !== undefined || password !== undefined) {
      headers['Authorization'] =
        `Basic ${Buffer.from(`${username ?? ''}:${password ?? ''}`).toString('base64')}`;
    }
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxAnswerBytes = options.maxAnswerBytes ?? 256 * 1024 * 1024;
    this.http = axios.create({
      baseURL: this.trackingUri,
      timeout: this.timeoutMs,
      headers,
      validateStatus: () => true,
      maxBodyLength: Infinity,
      maxContentLength: Infinity,
      // Our own retry loop handles failures; never follow redirects to another host with our credentials.
      maxRedirects: 0,
    });
    this.maxRetries = options.maxRetries ?? 5;
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 250;
    this.retryMaxDelayMs = options.retryMaxDelayMs ?? 10_000;
  }

  /**
   * A client configured from `MLFLOW_TRACKING_URI`, `MLFLOW_TRACKING_TOKEN`, `MLFLOW_TRACKING_USERNAME`,
   * `MLFLOW_TRACKING_PASSWORD`, `MLFLOW_HTTP_REQUEST_TIMEOUT` (seconds) and `MLFLOW_HTTP_REQUEST_MAX_RETRIES`;
   * `overrides` win over the environment.
   */
  static fromEnv(overrides: Partial<MlflowClientOptions> = {}): MlflowClient {
    const env = process.env;
    const trackingUri = overrides.trackingUri ?? env['MLFLOW_TRACKING_URI'];
    if (!trackingUri) {
      throw new UserError(
        'E_MLFLOW_URI',
        'MLFLOW_TRACKING_URI is not set; set it to the tracking server, e.g. http://127.0.0.1:5000.',
      );
    }
    const timeoutSeconds = Number(env['MLFLOW_HTTP_REQUEST_TIMEOUT']);
    const retries = Number(env['MLFLOW_HTTP_REQUEST_MAX_RETRIES']);
    const options: MlflowClientOptions = { trackingUri };
    const token = env['MLFLOW_TRACKING_TOKEN'];
    const username = env['MLFLOW_TRACKING_USERNAME'];
    const password = env['MLFLOW_TRACKING_PASSWORD'];
    if (token) options.token = token;
    if (username) options.username = username;
    if (password) options.password = password;
    if (env['MLFLOW_HTTP_REQUEST_TIMEOUT'] && timeoutSeconds > 0) options.timeoutMs = timeoutSeconds * 1000;
    if (env['MLFLOW_HTTP_REQUEST_MAX_RETRIES'] && Number.isInteger(retries) && retries >= 0)
      options.maxRetries = retries;
    return new MlflowClient({ ...options, ...overrides, trackingUri });
  }

  // ---- experiments ----------------------------------------------------------------------------

  /** Id of the experiment named `name`, or undefined when there is none (deleted ones count as none). */
  async getExperimentIdByName(name: string): Promise<string | undefined> {
    const found = await this.experimentByName(name);
    return found === undefined || found.lifecycleStage === 'deleted' ? undefined : found.id;
  }

  /** Id of the experiment named `name`, created (or restored from deletion) if needed; safe under races. */
  async getOrCreateExperiment(name: string): Promise<string> {
    return (await this.ensureExperiment(name)).id;
  }

  /**
   * Checks that the tracking server proxies the artifacts of the experiment named `experimentName`
   * (created, or restored, as a sweep's start would): its artifact location is `mlflow-artifacts:…`.
   * Every artifact seedsweep writes goes through the server's artifact API, so with any other location
   * (a server started with `--default-artifact-root <local path>`) no trial's end could ever be sent.
   * One request for an existing experiment; three for a new one (look-up, create, read back).
   * @throws UserError `E_MLFLOW_ARTIFACTS_NOT_PROXIED` naming the server, the location and the fix.
   */
  async checkArtifactProxy(experimentName: string): Promise<void> {
    const experiment = await this.ensureExperiment(experimentName);
    const location = experiment.created
      ? (await this.experimentById(experiment.id)).artifactLocation
      : experiment.artifactLocation;
    // A server that names no location gives nothing to judge: the first upload says what is wrong.
    if (location === undefined || proxiedArtifactPath(location) !== undefined) return;
    throw new UserError(
      'E_MLFLOW_ARTIFACTS_NOT_PROXIED',
      `tracking server ${this.trackingUri} keeps the artifacts of experiment '${experimentName}' at '${location}', ` +
        `which it does not proxy, so no trial's results (models, records) could reach it; ${NOT_PROXIED_FIX}` +
        (experiment.created
          ? ''
          : ` An experiment keeps the location it was made with: if the server serves artifacts now, give the sweep a new name (--set name=…).`),
    );
  }

  /** The experiment named `name` (deleted ones too), or undefined when there is none. */
  private async experimentByName(name: string): Promise<ExperimentInfo | undefined> {
    try {
      const data = await this.request<{ experiment: RawExperiment }>({
        method: 'GET',
        endpoint: `${API}/experiments/get-by-name`,
        params: { experiment_name: name },
        answer: ANSWER.experiment,
      });
      return toExperiment(data.experiment);
    } catch (error) {
      if (error instanceof MlflowRequestError && error.errorCode === 'RESOURCE_DOES_NOT_EXIST')
        return undefined;
      throw error;
    }
  }

  private async experimentById(id: string): Promise<ExperimentInfo> {
    const data = await this.request<{ experiment: RawExperiment }>({
      method: 'GET',
      endpoint: `${API}/experiments/get`,
      params: { experiment_id: id },
      answer: ANSWER.experiment,
    });
    return toExperiment(data.experiment);
  }

  /**
   * The active experiment named `name`: found (restored from deletion if needed) or created, with
   * `created` set when this call made it (its location is then not known without another request).
   * Safe under races.
   */
  private async ensureExperiment(name: string): Promise<ExperimentInfo & { created: boolean }> {
    const found = await this.experimentByName(name);
    if (found !== undefined) {
      if (found.lifecycleStage === 'deleted') {
        await this.request({
          method: 'POST',
          endpoint: `${API}/experiments/restore`,
          data: { experiment_id: found.id },
        });
      }
      return { ...found, created: false };
    }
    try {
      const created = await this.request<{ experiment_id: string }>({
        method: 'POST',
        endpoint: `${API}/experiments/create`,
        data: { name },
        answer: ANSWER.experimentCreated,
      });
      return { id: created.experiment_id, created: true };
    } catch (error) {
      // Another process created it between our lookup and our create.
      if (error instanceof MlflowRequestError && error.errorCode === 'RESOURCE_ALREADY_EXISTS') {
        const raced = await this.experimentByName(name);
        if (raced !== undefined && raced.lifecycleStage !== 'deleted') return { ...raced, created: false };
      }
      throw error;
    }
  }

  /** Ids of all active experiments (every page). */
  async listExperimentIds(): Promise<string[]> {
    const ids: string[] = [];
    let pageToken: string | undefined;
    do {
      const data: { experiments?: { experiment_id: string }[]; next_page_token?: string } =
        await this.request({
          method: 'POST',
          endpoint: `${API}/experiments/search`,
          answer: ANSWER.experimentPage,
          data: {
            max_results: 1000,
            view_type: 'ACTIVE_ONLY',
            ...(pageToken ? { page_token: pageToken } : {}),
          },
        });
      for (const experiment of data.experiments ?? []) ids.push(experiment.experiment_id);
      pageToken = data.next_page_token || undefined;
    } while (pageToken);
    return ids;
  }

  // ---- runs -----------------------------------------------------------------------------------

  /**
   * Creates a run. Not retried after an ambiguous failure (timeout, 5xx), so a lost answer never makes
   * two runs silently; callers that need exactly one run look it up by tag first.
   */
  async createRun(options: {
    experimentId: string;
    runName?: string;
    /** Milliseconds since the epoch. @default Date.now() */
    startTime?: number;
    tags?: Record<string, string>;
  }): Promise<MlflowRun> {
    const data = await this.request<{ run: RawRun }>({
      method: 'POST',
      endpoint: `${API}/runs/create`,
      retry: 'unsent',
      answer: ANSWER.run,
      data: {
        experiment_id: options.experimentId,
        ...(options.runName ? { run_name: options.runName } : {}),
        start_time: options.startTime ?? Date.now(),
        tags: toKeyValues(options.tags ?? {}),
      },
    });
    const run = toRun(data.run);
    // Known now: uploads to the new run need no look-up of its artifact location.
    this.noteArtifactUri(run.runId, run.artifactUri);
    return run;
  }

  /** Where a run keeps its artifacts (its `artifactUri`, known from elsewhere): uploads then need no look-up. */
  noteArtifactUri(runId: string, artifactUri: string): void {
    const root = proxiedArtifactPath(artifactUri);
    if (root !== undefined) this.artifactRoots.set(runId, root);
  }

  async getRun(runId: string): Promise<MlflowRun> {
    const data = await this.request<{ run: RawRun }>({
      method: 'GET',
      endpoint: `${API}/runs/get`,
      params: { run_id: runId },
      answer: ANSWER.run,
    });
    return toRun(data.run);
  }

  /** Marks a run deleted (searches leave it out; `mlflow gc` removes it for good). */
  async deleteRun(runId: string): Promise<void> {
    await this.request({ method: 'POST', endpoint: `${API}/runs/delete`, data: { run_id: runId } });
  }

  /** Sets a run's status, end time (ms since the epoch) and/or name. */
  async updateRun(options: {
    runId: string;
    status?: MlflowRunStatus;
    endTime?: number;
    runName?: string;
  }): Promise<void> {
    await this.request({
      method: 'POST',
      endpoint: `${API}/runs/update`,
      data: {
        run_id: options.runId,
        ...(options.status ? { status: options.status } : {}),
        ...(options.endTime !== undefined ? { end_time: options.endTime } : {}),
        ...(options.runName ? { run_name: options.runName } : {}),
      },
    });
  }

  /**
   * Logs metrics, params and tags, split into as many `runs/log-batch` requests as MLflow's limits need.
   * Retried like any idempotent request: MLflow keeps one row per (key, timestamp, step, value) of a
   * run and ignores an identical one sent again, params may be set again to the same value and tags
   * are overwritten. So a batch is harmless to resend as long as its points are the same, timestamps
   * included: callers that resend give each point a fixed timestamp rather than the time of sending.
   */
  async logBatch(options: {
    runId: string;
    metrics?: MetricPoint[];
    params?: KeyValue[];
    tags?: KeyValue[];
  }): Promise<void> {
    const batches = chunkLogBatch({
      metrics: options.metrics ?? [],
      params: options.params ?? [],
      tags: options.tags ?? [],
    });
    for (const [index, batch] of batches.entries()) {
      if (index > 0) faultPoint('log-batch-between-chunks');
      await this.request({
        method: 'POST',
        endpoint: `${API}/runs/log-batch`,
        // JSON has no NaN or ±Infinity (JSON.stringify makes them null, which MLflow refuses); MLflow's
        // protobuf JSON parser takes them as the strings "NaN", "Infinity", "-Infinity".
        data: {
          run_id: options.runId,
          metrics: batch.metrics.map(jsonSafeMetric),
          params: batch.params,
          tags: batch.tags,
        },
      });
    }
  }

  async setTag(options: { runId: string; key: string; value: string }): Promise<void> {
    await this.request({
      method: 'POST',
      endpoint: `${API}/runs/set-tag`,
      data: { run_id: options.runId, key: options.key, value: options.value },
    });
  }

  /**
   * Runs matching an MLflow filter string (e.g. `` tags.`seedsweep.sweep_id` = 'abc' ``), following
   * every page. `maxResults` caps the total (default: all); `orderBy` e.g. `['attributes.start_time ASC']`;
   * `pageSize` is the runs asked for per request (default 1000).
   */
  async searchRuns(options: {
    experimentIds: string[];
    filter?: string;
    maxResults?: number;
    orderBy?: string[];
    pageSize?: number;
  }): Promise<MlflowRun[]> {
    if (options.experimentIds.length === 0) return [];
    const runs: MlflowRun[] = [];
    const cap = options.maxResults ?? Infinity;
    let pageToken: string | undefined;
    do {
      const data: { runs?: RawRun[]; next_page_token?: string } = await this.request({
        method: 'POST',
        endpoint: `${API}/runs/search`,
        answer: ANSWER.runPage,
        data: {
          experiment_ids: options.experimentIds,
          ...(options.filter ? { filter: options.filter } : {}),
          run_view_type: 'ACTIVE_ONLY',
          max_results: Math.min(options.pageSize ?? 1000, cap - runs.length),
          ...(options.orderBy ? { order_by: options.orderBy } : {}),
          ...(pageToken ? { page_token: pageToken } : {}),
        },
      });
      for (const raw of data.runs ?? []) runs.push(toRun(raw));
      pageToken = data.next_page_token || undefined;
    } while (pageToken && runs.length < cap);
    return runs;
  }

  /** Every logged point of one metric of a run (all pages), in the server's order. */
  async getMetricHistory(options: { runId: string; key: string }): Promise<MetricPoint[]> {
    const points: MetricPoint[] = [];
    let pageToken: string | undefined;
    do {
      const data: {
        metrics?: {
          key: string;
          value: number | string;
          timestamp: number | string;
          step?: number | string;
        }[];
        next_page_token?: string;
      } = await this.request({
        method: 'GET',
        endpoint: `${API}/metrics/get-history`,
        answer: ANSWER.metricPage,
        params: {
          run_id: options.runId,
          metric_key: options.key,
          max_results: 25_000,
          ...(pageToken ? { page_token: pageToken } : {}),
        },
      });
      for (const m of data.metrics ?? []) {
        points.push({
          key: m.key,
          value: Number(m.value),
          timestamp: Number(m.timestamp),
          step: Number(m.step ?? 0),
        });
      }
      pageToken = data.next_page_token || undefined;
    } while (pageToken);
    return points;
  }

  // ---- artifacts ------------------------------------------------------------------------------

  /** Uploads one file to `artifactPath` (the file's full path inside the run's artifacts, e.g. `trial.json`). */
  async uploadArtifact(options: { runId: string; localPath: string; artifactPath: string }): Promise<void> {
    const root = await this.artifactRoot(options.runId);
    const body = await readFile(options.localPath);
    await this.request({
      method: 'PUT',
      endpoint: `${ARTIFACTS_API}/${encodePath(joinArtifactPath(root, options.artifactPath))}`,
      data: body,
      binary: true,
    });
  }

  /** Writes bytes or text as one artifact file (e.g. a JSON record) without a local file. */
  async putArtifact(options: { runId: string; artifactPath: string; data: Buffer | string }): Promise<void> {
    const root = await this.artifactRoot(options.runId);
    await this.request({
      method: 'PUT',
      endpoint: `${ARTIFACTS_API}/${encodePath(joinArtifactPath(root, options.artifactPath))}`,
      data: typeof options.data === 'string' ? Buffer.from(options.data, 'utf8') : options.data,
      binary: true,
    });
  }

  /** Uploads every file under `localDir` below `artifactPath` (e.g. `model`), keeping the folder structure. */
  async uploadArtifactDir(options: { runId: string; localDir: string; artifactPath: string }): Promise<void> {
    const entries = await readdir(options.localDir, { withFileTypes: true, recursive: true });
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const full = path.join(entry.parentPath, entry.name);
      const relative = path.relative(options.localDir, full).split(path.sep).join('/');
      await this.uploadArtifact({
        runId: options.runId,
        localPath: full,
        artifactPath: joinArtifactPath(options.artifactPath, relative),
      });
    }
  }

  /** Direct children of `path` (default: the root) in the run's artifacts; empty for a missing path or a file. */
  async listArtifacts(options: { runId: string; path?: string }): Promise<ArtifactEntry[]> {
    const root = await this.artifactRoot(options.runId);
    const sub = options.path ? normaliseArtifactPath(options.path) : '';
    const data = await this.request<{
      files?: { path: string; is_dir?: boolean; file_size?: number | string }[];
    }>({
      method: 'GET',
      endpoint: ARTIFACTS_API,
      params: { path: joinArtifactPath(root, sub) },
      answer: ANSWER.artifactList,
    });
    return (data.files ?? []).map((file) => ({
      path: joinArtifactPath(sub, file.path.split('/').pop() ?? file.path),
      isDir: Boolean(file.is_dir),
      ...(file.file_size !== undefined ? { size: Number(file.file_size) } : {}),
    }));
  }

  /**
   * Downloads a file or a whole folder of the run's artifacts to `destDir/artifactPath` and returns that
   * local path.
   */
  async downloadArtifacts(options: {
    runId: string;
    artifactPath: string;
    destDir: string;
  }): Promise<string> {
    const artifactPath = normaliseArtifactPath(options.artifactPath);
    const local = path.join(options.destDir, ...artifactPath.split('/').filter(Boolean));
    const children = await this.listArtifacts({ runId: options.runId, path: artifactPath });
    if (children.length === 0 && artifactPath !== '') {
      await this.downloadFile(options.runId, artifactPath, local);
      return local;
    }
    await mkdir(local, { recursive: true });
    for (const child of children) {
      if (child.isDir)
        await this.downloadArtifacts({
          runId: options.runId,
          artifactPath: child.path,
          destDir: options.destDir,
        });
      else
        await this.downloadFile(
          options.runId,
          child.path,
          path.join(options.destDir, ...child.path.split('/')),
        );
    }
    return local;
  }

  /** The text of one artifact file, or undefined when it does not exist. */
  async readArtifactText(options: { runId: string; artifactPath: string }): Promise<string | undefined> {
    try {
      const bytes = await this.fetchArtifact(options.runId, normaliseArtifactPath(options.artifactPath));
      return bytes.toString('utf8');
    } catch (error) {
      if (error instanceof MlflowRequestError && error.status === 404) return undefined;
      throw error;
    }
  }

  private async downloadFile(runId: string, artifactPath: string, local: string): Promise<void> {
    const bytes = await this.fetchArtifact(runId, artifactPath);
    await mkdir(path.dirname(local), { recursive: true });
    await writeFile(local, bytes);
  }

  private async fetchArtifact(runId: string, artifactPath: string): Promise<Buffer> {
    const root = await this.artifactRoot(runId);
    return this.request<Buffer>({
      method: 'GET',
      endpoint: `${ARTIFACTS_API}/${encodePath(joinArtifactPath(root, artifactPath))}`,
      binary: true,
    });
  }

  /** The run's artifact root as a path of the proxied artifact API, e.g. `1/<runId>/artifacts`. */
  private async artifactRoot(runId: string): Promise<string> {
    const known = this.artifactRoots.get(runId);
    if (known !== undefined) return known;
    const run = await this.getRun(runId);
    const root = proxiedArtifactPath(run.artifactUri);
    if (root === undefined) {
      throw new UserError(
        'E_MLFLOW_ARTIFACTS_NOT_PROXIED',
        `run ${runId} stores artifacts at '${run.artifactUri}', which tracking server ${this.trackingUri} does not proxy; ${NOT_PROXIED_FIX}`,
      );
    }
    this.artifactRoots.set(runId, root);
    return root;
  }

  // ---- transport ------------------------------------------------------------------------------

  private async request<T>(spec: RequestSpec): Promise<T> {
    const retry = spec.retry ?? 'always';
    let attempt = 0;
    for (;;) {
      let response: AxiosResponse | undefined;
      let networkCode: string | undefined;
      // axios's timeout is the server's silence; a JSON answer dripped slowly is bounded as a whole.
      const deadline = spec.binary ? undefined : AbortSignal.timeout(this.timeoutMs);
      try {
        response = await this.http.request({
          method: spec.method,
          url: spec.endpoint,
          ...(spec.params ? { params: spec.params } : {}),
          ...(spec.data !== undefined ? { data: spec.data } : {}),
          ...(deadline ? { signal: deadline, maxContentLength: this.maxAnswerBytes } : {}),
          ...(spec.binary
            ? {
                responseType: 'arraybuffer' as const,
                headers: { 'Content-Type': 'application/octet-stream' },
              }
            : {}),
        });
      } catch (error) {
        // Only the code is kept: axios errors carry the request config, headers included.
        networkCode = deadline?.aborted
          ? `ETIMEDOUT (no complete answer within ${this.timeoutMs} ms)`
          : axios.isAxiosError(error) && /maxContentLength/.test(error.message)
            ? `an answer over ${this.maxAnswerBytes} bytes, not read`
            : axios.isAxiosError(error)
              ? (error.code ?? 'network error')
              : String(error);
      }
      let badAnswer: string | undefined;
      if (response && response.status >= 200 && response.status < 300) {
        if (spec.binary) return Buffer.from(response.data as ArrayBuffer) as T;
        badAnswer = answerProblem(spec.answer ?? ANSWER.empty, response.data);
        if (badAnswer === undefined) return response.data as T;
        // Not MLflow's answer: retried like a server error when the request may be sent again.
        if (attempt >= this.maxRetries || retry === 'unsent') {
          throw new MlflowAnswerError(
            spec.method,
            spec.endpoint,
            this.trackingUri,
            response.status,
            badAnswer,
            attempt + 1,
          );
        }
      }
      const status = response?.status;
      if (response && badAnswer === undefined && !isRetryableStatus(response.status)) {
        const { errorCode, message } = serverError(response);
        throw new MlflowRequestError(
          spec.method,
          spec.endpoint,
          response.status,
          errorCode,
          message,
          summariseRequest(spec),
        );
      }
      const surelyUnsent =
        (networkCode !== undefined && UNSENT_CODES.has(networkCode)) || status === 429 || status === 503;
      const reason = networkCode ?? badAnswer ?? (response ? serverError(response).message : 'no response');
      if (attempt >= this.maxRetries || (retry === 'unsent' && !surelyUnsent)) {
        throw new MlflowUnavailableError(
          spec.method,
          spec.endpoint,
          this.trackingUri,
          status,
          reason,
          attempt + 1,
        );
      }
      const fromServer = response
        ? retryAfterMs(response.headers['retry-after'], this.retryMaxDelayMs)
        : undefined;
      const delay =
        fromServer ??
        backoffDelayMs({ attempt, baseDelayMs: this.retryBaseDelayMs, maxDelayMs: this.retryMaxDelayMs });
      attempt += 1;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/** The path part of an `mlflow-artifacts:` URI (`mlflow-artifacts:/1/x/artifacts` or `mlflow-artifacts://host:port/1/x/artifacts`). */
export function proxiedArtifactPath(artifactUri: string): string | undefined {
  const match = /^mlflow-artifacts:(?:\/\/[^/]*)?\/?(.*)$/.exec(artifactUri);
  return match ? (match[1] ?? '').replace(/\/+$/, '') : undefined;
}

/** A one-line description of a request body for error messages: field names, short scalar values, list sizes. */
export function summariseRequest(spec: {
  params?: Record<string, string | number>;
  data?: unknown;
  binary?: boolean;
}): string {
  const parts: string[] = [];
  if (spec.params) parts.push(`query ${summariseValue(spec.params, 0)}`);
  if (spec.data !== undefined) {
    if (Buffer.isBuffer(spec.data)) parts.push(`${spec.data.length} bytes`);
    else parts.push(summariseValue(spec.data, 0));
  }
  return parts.length > 0 ? parts.join(', ') : 'no body';
}

function summariseValue(value: unknown, depth: number): string {
  if (Array.isArray(value)) return `[${value.length} item${value.length === 1 ? '' : 's'}]`;
  if (value !== null && typeof value === 'object') {
    if (depth > 0) return '{…}';
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([key, v]) => `${key}: ${summariseValue(v, depth + 1)}`)
      .join(', ')}}`;
  }
  if (typeof value === 'string')
    return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  return String(value);
}

function serverError(response: AxiosResponse): { errorCode: string | undefined; message: string } {
  if (isRedirect(response.status)) {
    const location: unknown = response.headers['location'];
    return {
      errorCode: undefined,
      message: `a redirect to ${typeof location === 'string' && location !== '' ? truncate(location.replace(/\s+/g, ' '), 200) : 'nowhere'}`,
    };
  }
  let data: unknown = response.data;
  if (data instanceof ArrayBuffer || Buffer.isBuffer(data))
    data = Buffer.from(data as ArrayBuffer).toString('utf8');
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch {
      // not JSON: an HTML error page or plain text
    }
  }
  if (data && typeof data === 'object') {
    const body = data as { error_code?: unknown; message?: unknown };
    const message = typeof body.message === 'string' ? body.message : jsonText(data);
    return {
      errorCode: typeof body.error_code === 'string' ? body.error_code : undefined,
      // One line: MLflow's messages may carry a database error's SQL over several.
      message: truncate(message.replace(/\s+/g, ' ').trim(), 500),
    };
  }
  const text = typeof data === 'string' ? data.replace(/\s+/g, ' ').trim() : '';
  return { errorCode: undefined, message: truncate(text || response.statusText || 'no message', 500) };
}

/** JSON text of an answer for a message; JSON.stringify recurses, so a deeply nested body is only named. */
function jsonText(data: unknown): string {
  try {
    return JSON.stringify(data);
  } catch {
    return 'a JSON body nested too deeply to show';
  }
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

function toKeyValues(record: Record<string, string>): KeyValue[] {
  return Object.entries(record).map(([key, value]) => ({ key, value }));
}

function jsonSafeMetric(point: MetricPoint): MetricPoint | (Omit<MetricPoint, 'value'> & { value: string }) {
  return Number.isFinite(point.value) ? point : { ...point, value: String(point.value) };
}

function toExperiment(raw: RawExperiment): ExperimentInfo {
  return {
    id: raw.experiment_id,
    ...(raw.lifecycle_stage !== undefined ? { lifecycleStage: raw.lifecycle_stage } : {}),
    ...(typeof raw.artifact_location === 'string' ? { artifactLocation: raw.artifact_location } : {}),
  };
}

function toRun(raw: RawRun): MlflowRun {
  const record = (items: KeyValue[] | undefined) =>
    Object.fromEntries((items ?? []).map((item) => [item.key, item.value]));
  const endTime = raw.info.end_time === undefined ? undefined : Number(raw.info.end_time);
  return {
    runId: raw.info.run_id ?? raw.info.run_uuid ?? '',
    experimentId: raw.info.experiment_id,
    runName: raw.info.run_name ?? '',
    status: raw.info.status,
    startTime: Number(raw.info.start_time ?? 0),
    ...(endTime !== undefined ? { endTime } : {}),
    artifactUri: raw.info.artifact_uri,
    lifecycleStage: raw.info.lifecycle_stage,
    tags: record(raw.data?.tags),
    params: record(raw.data?.params),
    metrics: Object.fromEntries((raw.data?.metrics ?? []).map((m) => [m.key, Number(m.value)])),
  };
}

function normaliseArtifactPath(artifactPath: string): string {
  const parts = artifactPath.split(/[\\/]+/).filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) {
    throw new UserError('E_ARTIFACT_PATH', `artifact path '${artifactPath}' must not contain '..'.`);
  }
  return parts.join('/');
}

function joinArtifactPath(...parts: string[]): string {
  return normaliseArtifactPath(parts.filter(Boolean).join('/'));
}

function encodePath(artifactPath: string): string {
  return artifactPath.split('/').map(encodeURIComponent).join('/');
}
