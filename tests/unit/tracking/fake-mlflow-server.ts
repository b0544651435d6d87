/**
 * An in-memory stand-in for the MLflow tracking server's REST API, for unit tests that count requests
 * and cut answers. It keeps what the real server's SQL store keeps where the tracker relies on it
 * (checked against MLflow 3 in tests/integration/tracking/mlflow-tracker.test.ts):
 * - one metric row per (key, timestamp, step, value) of a run: the same row logged again is ignored;
 * - a param may be logged again with the same value, a different value rejects the whole batch;
 * - tags are overwritten; a deleted run refuses writes ("must be in the 'active' state");
 * - log-batch limits: 1,000 metrics, 100 params, 100 tags, 1,000 items; tag values ≤ 8,000 characters.
 * Runs are searched with the filters the tracker uses (`tags.\`k\` = 'v'`, `attributes.status = / !=`).
 *
 * `loseAnswer(predicate)` makes the server do the work of the next matching request and then drop the
 * connection without answering: what a crash (or a network cut) right after the server acted leaves.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface FakeRun {
  runId: string;
  experimentId: string;
  runName: string;
  status: string;
  startTime: number;
  endTime?: number;
  lifecycleStage: 'active' | 'deleted';
  tags: Map<string, string>;
  params: Map<string, string>;
  metrics: { key: string; value: number | string; timestamp: number; step: number }[];
}

export interface SeenRequest {
  method: string;
  /** Path without the query, e.g. `/api/2.0/mlflow/runs/log-batch`. */
  path: string;
  body: unknown;
}

const API = '/api/2.0/mlflow';
const ARTIFACTS = '/api/2.0/mlflow-artifacts/artifacts/';

export class FakeMlflowServer {
  readonly requests: SeenRequest[] = [];
  readonly runs = new Map<string, FakeRun>();
  readonly artifacts = new Map<string, Buffer>();
  private readonly experiments = new Map<string, string>();
  private server: Server | undefined;
  private nextRun = 0;
  private lose: ((request: SeenRequest) => boolean) | undefined;
  uri = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.uri = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /** The next request matching `predicate` is carried out, then its connection dropped unanswered. */
  loseAnswer(predicate: (request: SeenRequest) => boolean): void {
    this.lose = predicate;
  }

  /** Requests to `endpoint` (a path suffix such as `runs/create`, or `artifacts` for any artifact request). */
  count(endpoint?: string): number {
    return this.requests.filter((r) => endpoint === undefined || r.path.includes(endpoint)).length;
  }

  trialRuns(): FakeRun[] {
    return [...this.runs.values()].filter(
      (r) => r.lifecycleStage === 'active' && r.tags.get('seedsweep.role') === 'trial',
    );
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const raw = Buffer.concat(chunks);
      const isArtifact = url.pathname.startsWith(ARTIFACTS) || url.pathname === ARTIFACTS.slice(0, -1);
      let body: unknown = Object.fromEntries(url.searchParams);
      if (!isArtifact && raw.length > 0) body = JSON.parse(raw.toString('utf8'));
      const request: SeenRequest = { method: req.method ?? 'GET', path: url.pathname, body };
      this.requests.push(request);
      let answer: { status: number; json?: unknown; bytes?: Buffer };
      try {
        answer = this.route(request, raw, url);
      } catch (error) {
        answer = error instanceof ApiError ? error.answer : { status: 500, json: { message: String(error) } };
      }
      if (this.lose?.(request)) {
        this.lose = undefined;
        req.socket.destroy();
        return;
      }
      if (answer.bytes) {
        res.writeHead(answer.status, { 'content-type': 'application/octet-stream' }).end(answer.bytes);
      } else {
        res
          .writeHead(answer.status, { 'content-type': 'application/json' })
          .end(JSON.stringify(answer.json ?? {}));
      }
    });
  }

  private route(
    request: SeenRequest,
    raw: Buffer,
    url: URL,
  ): { status: number; json?: unknown; bytes?: Buffer } {
    const body = request.body as Record<string, unknown>;
    if (request.path.startsWith(ARTIFACTS)) {
      const key = decodeURIComponent(request.path.slice(ARTIFACTS.length));
      if (request.method === 'PUT') {
        this.artifacts.set(key, raw);
        return { status: 200, json: {} };
      }
      const bytes = this.artifacts.get(key);
      if (!bytes) throw new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', `no artifact ${key}`);
      return { status: 200, bytes };
    }
    switch (`${request.method} ${request.path.slice(API.length + 1)}`) {
      case 'GET experiments/get-by-name': {
        const id = this.experiments.get(String(body['experiment_name']));
        if (id === undefined) throw new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', 'no such experiment');
        return { status: 200, json: { experiment: { experiment_id: id } } };
      }
      case 'POST experiments/create': {
        const id = String(this.experiments.size + 1);
        this.experiments.set(String(body['name']), id);
        return { status: 200, json: { experiment_id: id } };
      }
      case 'POST experiments/search':
        return {
          status: 200,
          json: { experiments: [...this.experiments.values()].map((id) => ({ experiment_id: id })) },
        };
      case 'POST runs/create': {
        const runId = `run${String(++this.nextRun).padStart(29, '0')}`;
        const run: FakeRun = {
          runId,
          experimentId: String(body['experiment_id']),
          runName: String(body['run_name'] ?? runId),
          status: 'RUNNING',
          startTime: Number(body['start_time'] ?? 0),
          lifecycleStage: 'active',
          tags: new Map(((body['tags'] ?? []) as KeyValue[]).map((t) => [t.key, t.value])),
          params: new Map(),
          metrics: [],
        };
        this.runs.set(runId, run);
        return { status: 200, json: { run: toJson(run) } };
      }
      case 'GET runs/get':
        return { status: 200, json: { run: toJson(this.run(String(body['run_id']))) } };
      case 'POST runs/update': {
        const run = this.active(String(body['run_id']));
        if (body['status']) run.status = String(body['status']);
        if (body['end_time'] !== undefined) run.endTime = Number(body['end_time']);
        return { status: 200, json: {} };
      }
      case 'POST runs/delete':
        this.run(String(body['run_id'])).lifecycleStage = 'deleted';
        return { status: 200, json: {} };
      case 'POST runs/log-batch':
        this.logBatch(body);
        return { status: 200, json: {} };
      case 'GET metrics/get-history': {
        const run = this.run(String(body['run_id']));
        return {
          status: 200,
          json: { metrics: run.metrics.filter((m) => m.key === body['metric_key']) },
        };
      }
      case 'POST runs/search':
        return { status: 200, json: { runs: this.search(body).map(toJson) } };
      default:
        throw new ApiError(404, 'ENDPOINT_NOT_FOUND', `${request.method} ${url.pathname}`);
    }
  }

  private logBatch(body: Record<string, unknown>): void {
    const metrics = (body['metrics'] ?? []) as FakeRun['metrics'];
    const params = (body['params'] ?? []) as KeyValue[];
    const tags = (body['tags'] ?? []) as KeyValue[];
    if (metrics.length > 1000 || params.length > 100 || tags.length > 100)
      throw new ApiError(
        400,
        'INVALID_PARAMETER_VALUE',
        'A batch logging request can contain at most 1000 metrics, 100 params, 100 tags',
      );
    if (metrics.length + params.length + tags.length > 1000)
      throw new ApiError(
        400,
        'INVALID_PARAMETER_VALUE',
        'A batch logging request can contain at most 1000 items',
      );
    const long = tags.find((t) => t.value.length > 8000);
    if (long)
      throw new ApiError(
        400,
        'INVALID_PARAMETER_VALUE',
        `Tag value '${long.key}' had length ${long.value.length}, which exceeded length limit of 8000`,
      );
    const run = this.active(String(body['run_id']));
    const changed = params.filter((p) => run.params.has(p.key) && run.params.get(p.key) !== p.value);
    if (changed.length > 0)
      throw new ApiError(400, 'INVALID_PARAMETER_VALUE', 'Changing param values is not allowed');
    for (const p of params) run.params.set(p.key, p.value);
    for (const m of metrics) {
      const row = { key: m.key, value: m.value, timestamp: Number(m.timestamp), step: Number(m.step ?? 0) };
      const same = run.metrics.some(
        (r) =>
          r.key === row.key &&
          r.timestamp === row.timestamp &&
          r.step === row.step &&
          String(r.value) === String(row.value),
      );
      if (!same) run.metrics.push(row);
    }
    for (const t of tags) run.tags.set(t.key, t.value);
  }

  private search(body: Record<string, unknown>): FakeRun[] {
    const experiments = new Set((body['experiment_ids'] ?? []) as string[]);
    const clauses = String(body['filter'] ?? '')
      .split(/\s+and\s+/i)
      .filter((c) => c.trim() !== '');
    const runs = [...this.runs.values()].filter(
      (run) =>
        run.lifecycleStage === 'active' &&
        experiments.has(run.experimentId) &&
        clauses.every((c) => matches(run, c)),
    );
    if (((body['order_by'] ?? []) as string[]).some((o) => o.startsWith('attributes.start_time')))
      runs.sort((a, b) => a.startTime - b.startTime);
    return runs.slice(0, Number(body['max_results'] ?? 1000));
  }

  private run(runId: string): FakeRun {
    const run = this.runs.get(runId);
    if (!run) throw new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', `Run '${runId}' not found`);
    return run;
  }

  private active(runId: string): FakeRun {
    const run = this.run(runId);
    if (run.lifecycleStage !== 'active')
      throw new ApiError(
        400,
        'INVALID_PARAMETER_VALUE',
        `The run ${runId} must be in the 'active' state. Current state is deleted.`,
      );
    return run;
  }
}

interface KeyValue {
  key: string;
  value: string;
}

class ApiError extends Error {
  readonly answer: { status: number; json: unknown };
  constructor(status: number, code: string, message: string) {
    super(message);
    this.answer = { status, json: { error_code: code, message } };
  }
}

function matches(run: FakeRun, clause: string): boolean {
  const tag = /^tags\.`([^`]+)`\s*=\s*(['"])(.*)\2$/.exec(clause.trim());
  if (tag) return run.tags.get(tag[1]!) === tag[3];
  const status = /^attributes\.status\s*(=|!=)\s*'(\w+)'$/.exec(clause.trim());
  if (status) return (run.status === status[2]) === (status[1] === '=');
  throw new Error(`the fake MLflow server does not understand the filter clause ${clause}`);
}

function toJson(run: FakeRun): unknown {
  const latest = new Map<string, FakeRun['metrics'][number]>();
  for (const m of run.metrics) {
    const known = latest.get(m.key);
    if (!known || m.step >= known.step) latest.set(m.key, m);
  }
  return {
    info: {
      run_id: run.runId,
      experiment_id: run.experimentId,
      run_name: run.runName,
      status: run.status,
      start_time: run.startTime,
      ...(run.endTime !== undefined ? { end_time: run.endTime } : {}),
      artifact_uri: `mlflow-artifacts:/${run.experimentId}/${run.runId}/artifacts`,
      lifecycle_stage: run.lifecycleStage,
    },
    data: {
      tags: [...run.tags].map(([key, value]) => ({ key, value })),
      params: [...run.params].map(([key, value]) => ({ key, value })),
      metrics: [...latest.values()],
    },
  };
}
