/** `seedsweep serve`: serve a trained model over HTTP following the SageMaker inference contract. */
import type { Command } from 'commander';
import { UserError } from '../../../core/common/errors.js';
import type { ModelTracker, ResolvedModel } from '../../../serving/model-source.js';
import {
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_CONCURRENT,
  DEFAULT_PORT,
  DEFAULT_REQUEST_TIMEOUT_MS,
} from '../../../serving/defaults.js';
import type { InferenceServer } from '../../../serving/server.js';
import { info } from '../output.js';
import { userPath } from '../../../core/common/safe-names.js';
import { parseRunId, parseSweepReference } from '../sweep-argument.js';

/** Options of {@link serveModel}, filled from the command line. */
export interface ServeOptions {
  /** MLflow run id: serve its `model/` artifacts (downloaded into the cache). */
  run?: string;
  /** Sweep id or name: serve its best finished trial by the sweep's objective (reused trials included). */
  best?: string;
  /** Serve a local model folder. */
  modelDir?: string;
  /** @default 8080 */
  port?: number;
  /** @default '127.0.0.1' (use 0.0.0.0 to accept connections from other hosts) */
  host?: string;
  /** @default derived from the model's input size (128 for 32×32×3 images) */
  maxBatch?: number;
  /** @default 6 MiB */
  maxBodyBytes?: number;
  /** Milliseconds a request has to arrive whole; slower ones get 408. @default 30 000 */
  requestTimeout?: number;
  /** Requests other than /ping handled at once; more get 503 with Retry-After. @default 16 */
  maxConcurrent?: number;
  /**
   * Bearer token every request but /ping must carry (not a flag, so that it stays out of `ps`).
   * @default SEEDSWEEP_SERVE_TOKEN, none when unset or empty
   */
  token?: string;
  /** Download run artifacts again even when cached. @default false */
  refresh?: boolean;
  /**
   * The tracker `--run` and `--best` read through (not a flag: for callers and tests).
   * @default the tracker of `MLFLOW_TRACKING_URI`, or of the embedded local server (see resolveModel)
   */
  tracker?: ModelTracker;
}

/**
 * `--best <sweep>`: the sweep's finished trials found as `report` finds them (through Temporal, its
 * plan's trials, including those reused from earlier sweeps, whose models live on those sweeps' runs;
 * else in the tracker by sweep id or name), the best of them by the sweep's objective.
 */
async function resolveBestOfSweep(ref: string, tracker: ModelTracker | undefined): Promise<ResolvedModel> {
  const { loadSweep, withSweepLookup } = await import('../../../temporal/client/sweep-records.js');
  const { resolveBestModel } = await import('../../../serving/model-source.js');
  const { sweep, lookupTracker } = await withSweepLookup(async (lookup) => ({
    sweep: await loadSweep(lookup, ref),
    lookupTracker: lookup.tracker,
  }));
  const objective = sweep.input?.spec.objective;
  return resolveBestModel({
    sweepId: sweep.sweepId ?? sweep.ref,
    trials: sweep.records,
    tracker: tracker ?? lookupTracker,
    ...(objective ? { objective } : {}),
  });
}

/**
 * The model of `--run | --best | --model-dir`; `--best` alone looks the sweep up as `report` does
 * (see {@link resolveBestOfSweep}). Shared by `serve` and `package`.
 */
export async function resolveCliModel(
  options: Pick<ServeOptions, 'run' | 'best' | 'modelDir' | 'refresh' | 'tracker'>,
): Promise<ResolvedModel> {
  const onlyBest = options.best !== undefined && options.run === undefined && options.modelDir === undefined;
  if (onlyBest) return resolveBestOfSweep(options.best!, options.tracker);
  const { resolveModel } = await import('../../../serving/model-source.js');
  return resolveModel(options);
}

/** Initialises the TF.js backend, resolves the model and starts the server (what the command does before waiting). */
export async function serveModel(
  options: ServeOptions,
): Promise<{ server: InferenceServer; resolved: ResolvedModel }> {
  const { initBackend } = await import('../../../training/backends/backend.js');
  const { describeResolvedModel } = await import('../../../serving/model-source.js');
  const { startInferenceServer } = await import('../../../serving/server.js');
  const { serveTokenFromEnv, checkToken } = await import('../../../serving/bearer-token.js');
  const token = options.token ?? serveTokenFromEnv();
  if (token !== undefined) checkToken(token); // before the slow start, so a bad token fails at once
  // The backend first, so that the model is checked on the backend that will serve it.
  const backend = await initBackend();
  const resolved = await resolveCliModel(options);
  info(`serving ${describeResolvedModel(resolved)} (TF.js backend ${backend.name})`);
  const server = await startInferenceServer({
    modelDir: resolved.dir,
    host: options.host ?? '127.0.0.1',
    port: options.port ?? DEFAULT_PORT,
    ...(options.maxBatch !== undefined ? { maxBatch: options.maxBatch } : {}),
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    requestTimeoutMs: options.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT_MS,
    maxConcurrent: options.maxConcurrent ?? DEFAULT_MAX_CONCURRENT,
    ...(token === undefined ? {} : { token }),
    log: info,
  });
  info(
    `listening on ${server.url}: GET /ping, POST /invocations, GET /model${token === undefined ? '' : ' (bearer token required except on /ping)'}`,
  );
  return { server, resolved };
}

function integer(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new UserError(
        'E_BAD_ARGUMENT',
        `${name} is "${value}"; expected an integer from ${min} to ${max}`,
      );
    return n;
  };
}

export function register(program: Command): void {
  program
    .command('serve')
    .description(
      'Serve a trained model over HTTP (SageMaker contract: GET /ping, POST /invocations) until Ctrl-C.',
    )
    // Checked as they are parsed, as `package` does: a NUL byte or a 100,000-character run id is no
    // folder and no run (the CLI-argument fuzz found the first a TypeError in model-io).
    .option(
      '--run <mlflow-run-id>',
      "serve the run's model/ artifacts (downloaded from MLflow into the cache)",
      parseRunId,
    )
    .option(
      '--best <sweep>',
      "serve the sweep's best finished trial by its objective (default: highest final test accuracy), trials reused from earlier sweeps included; a sweep id or name",
      (value: string) => parseSweepReference(value, '--best'),
    )
    .option(
      '--model-dir <dir>',
      'serve a local model folder (model.json, weights.bin, manifest.json)',
      (value: string) => {
        userPath(value, '--model-dir');
        return value;
      },
    )
    .option(
      '--port <port>',
      `TCP port, 0 for any free one (default ${DEFAULT_PORT})`,
      integer('--port', 0, 65535),
    )
    .option(
      '--host <host>',
      'interface to listen on; 0.0.0.0 accepts other hosts (default 127.0.0.1; set SEEDSWEEP_SERVE_TOKEN when exposing it)',
    )
    .option(
      '--max-batch <n>',
      'most examples per request (default: from the input size, 128 for 32×32×3 images, up to 4096)',
      integer('--max-batch', 1, 100_000),
    )
    .option(
      '--max-body-bytes <n>',
      `largest request body (default ${DEFAULT_MAX_BODY_BYTES})`,
      integer('--max-body-bytes', 1, 2 ** 31 - 1),
    )
    .option(
      '--request-timeout <ms>',
      `time a request has to arrive whole, headers and body; slower ones get 408 (default ${DEFAULT_REQUEST_TIMEOUT_MS})`,
      integer('--request-timeout', 100, 600_000),
    )
    .option(
      '--max-concurrent <n>',
      `requests handled at once (/ping aside); more get 503 with Retry-After (default ${DEFAULT_MAX_CONCURRENT})`,
      integer('--max-concurrent', 1, 10_000),
    )
    .option('--refresh', 'download run artifacts again even when cached')
    .addHelpText(
      'after',
      `
Environment:
  SEEDSWEEP_SERVE_TOKEN  bearer token every request but GET /ping must carry
                         ("Authorization: Bearer <token>"), compared in constant
                         time; others get 401. Unset or empty: no token.

Answers: 200; 400 malformed request or body; 401 no or wrong token; 404; 405;
406; 408 request timeout; 413 body, examples or values over the limits; 415
content type; 417 Expect; 431 headers over 16 KiB; 503 model loading or server
busy (with Retry-After). Every error is JSON: {"error": {"code": "E_…", "message": "…"}}.`,
    )
    .action(async (options: ServeOptions) => {
      const { server } = await serveModel(options);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      info('stopping the inference server');
      await server.close();
    });
}
