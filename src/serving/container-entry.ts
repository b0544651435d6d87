/**
 * Entry point of the deployable bundle's container (SageMaker serving contract): `serve` starts the
 * inference server on 0.0.0.0:8080 with the model in /opt/ml/model. It imports only the serving code,
 * never the orchestration, so `seedsweep package` can bundle it into one small `server.mjs`.
 *
 * Environment: `SEEDSWEEP_MODEL_DIR` (default `/opt/ml/model`), `SAGEMAKER_BIND_TO_PORT` or `PORT`
 * (default 8080), `SEEDSWEEP_HOST` (default `0.0.0.0`), `SEEDSWEEP_MAX_BATCH`, `SEEDSWEEP_MAX_BODY_BYTES`,
 * `SEEDSWEEP_REQUEST_TIMEOUT_MS`, `SEEDSWEEP_MAX_CONCURRENT`, `SEEDSWEEP_SERVE_TOKEN` (bearer token
 * every request but /ping must carry; unset or empty: none), `SEEDSWEEP_BACKEND` (TF.js backend,
 * default automatic: wasm in the image).
 */
import { isUserError, UserError } from '../core/common/errors.js';
import { initBackend } from '../training/backends/backend.js';
import { serveTokenFromEnv } from './bearer-token.js';
import {
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_CONCURRENT,
  DEFAULT_PORT,
  DEFAULT_REQUEST_TIMEOUT_MS,
  startInferenceServer,
} from './server.js';

/** Folder where SageMaker unpacks `model.tar.gz` (and where the bundle's Dockerfile copies the model). */
export const SAGEMAKER_MODEL_DIR = '/opt/ml/model';

/** Runs the container command; resolves with the process exit code once the server has stopped. */
export async function runContainer(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const command = argv[0] ?? 'serve';
  if (command !== 'serve') {
    process.stderr.write(
      `error[E_BAD_ARGUMENT]: this image only serves models; run it with "serve" (got "${command}")\n`,
    );
    return 2;
  }
  try {
    const token = serveTokenFromEnv(env); // checked before the slow start, so a bad one fails at once
    const backend = await initBackend();
    const server = await startInferenceServer({
      modelDir: env['SEEDSWEEP_MODEL_DIR'] ?? SAGEMAKER_MODEL_DIR,
      host: env['SEEDSWEEP_HOST'] ?? '0.0.0.0',
      port: positiveInt(
        env['SAGEMAKER_BIND_TO_PORT'] ?? env['PORT'],
        DEFAULT_PORT,
        'SAGEMAKER_BIND_TO_PORT/PORT',
      ),
      // Unset: derived from the model's input size (src/serving/served-model.ts).
      ...(env['SEEDSWEEP_MAX_BATCH']
        ? { maxBatch: positiveInt(env['SEEDSWEEP_MAX_BATCH'], 0, 'SEEDSWEEP_MAX_BATCH') }
        : {}),
      maxBodyBytes: positiveInt(
        env['SEEDSWEEP_MAX_BODY_BYTES'],
        DEFAULT_MAX_BODY_BYTES,
        'SEEDSWEEP_MAX_BODY_BYTES',
      ),
      requestTimeoutMs: positiveInt(
        env['SEEDSWEEP_REQUEST_TIMEOUT_MS'],
        DEFAULT_REQUEST_TIMEOUT_MS,
        'SEEDSWEEP_REQUEST_TIMEOUT_MS',
        1,
      ),
      maxConcurrent: positiveInt(
        env['SEEDSWEEP_MAX_CONCURRENT'],
        DEFAULT_MAX_CONCURRENT,
        'SEEDSWEEP_MAX_CONCURRENT',
        1,
      ),
      ...(token === undefined ? {} : { token }),
      log: (line) => process.stderr.write(`${line}\n`),
    });
    process.stderr.write(
      `serving on ${server.url} (TF.js backend ${backend.name} ${backend.version}${token === undefined ? '' : '; bearer token required except on /ping'})\n`,
    );
    await new Promise<void>((resolve) => {
      // SageMaker and docker stop containers with SIGTERM: finish open requests, then exit 0.
      const stop = () => void server.close().then(resolve, resolve);
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    return 0;
  } catch (error) {
    if (isUserError(error)) {
      process.stderr.write(`error[${error.code}]: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(
      `unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 1;
  }
}

function positiveInt(value: string | undefined, fallback: number, name: string, min = 0): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new UserError(
      'E_BAD_ARGUMENT',
      `${name} is "${value}"; expected ${min === 0 ? 'a non-negative integer' : `an integer of at least ${min}`}`,
    );
  return n;
}
