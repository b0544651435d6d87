/** A local MLflow tracking server (`mlflow server`): started by the CLI and by the test setup. */
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import axios from 'axios';
import { cacheVenvDir, setupCommand, stateDir as defaultStateDir } from '../core/common/paths.js';
import { ensureEmbeddedServer, noteEmbeddedUse } from './embedded-server.js';
import { requireExecutable, spawnServer, type SpawnedServer } from './local-server.js';

const howToInstall = () =>
  `Run \`${setupCommand()}\` (installs the PyPI package mlflow into ${cacheVenvDir()}), or set MLFLOW_CLI_PATH to an mlflow executable, or point MLFLOW_TRACKING_URI at a running tracking server.`;

export interface MlflowServerOptions {
  /** @default '127.0.0.1' */
  host?: string;
  port: number;
  /** Folder for the SQLite store and the artifact root. */
  dataDir: string;
  logFile: string;
  /** Keep running after this process exits. @default true */
  detached?: boolean;
}

/**
 * The environment that keeps `mlflow server` lean. Since MLflow 3.x the server also starts a job
 * runner and eight huey consumer processes (GenAI evaluation jobs and periodic tasks, which seedsweep
 * never uses); `MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false` turns them off, which leaves the `mlflow`
 * launcher and one uvicorn worker (with `--workers 1`): 2 processes instead of 10, ~0.5 GiB RSS instead
 * of ~2.3 GiB. UI and REST API are served as before. Older MLflow versions ignore the variable.
 */
export const LEAN_MLFLOW_ENV: Readonly<Record<string, string>> = {
  MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false',
};

/** Starts `mlflow server` (SQLite store, proxied local artifacts, loopback) and waits for `/health`. */
export async function startMlflowServer(options: MlflowServerOptions): Promise<SpawnedServer> {
  const executable = requireExecutable('mlflow', 'MLFLOW_CLI_PATH', howToInstall());
  const host = options.host ?? '127.0.0.1';
  mkdirSync(options.dataDir, { recursive: true });
  const url = `http://${host}:${options.port}`;
  return spawnServer({
    name: 'MLflow server',
    executable,
    args: [
      'server',
      '--host',
      host,
      '--port',
      String(options.port),
      '--backend-store-uri',
      `sqlite:///${path.resolve(options.dataDir, 'mlflow.sqlite')}`,
      '--artifacts-destination',
      path.resolve(options.dataDir, 'artifacts'),
      '--serve-artifacts',
      '--workers',
      '1',
    ],
    env: { MLFLOW_HOST: host, ...LEAN_MLFLOW_ENV },
    logFile: options.logFile,
    detached: options.detached ?? true,
    readyTimeoutMs: 120_000,
    isReady: async () => {
      try {
        const res = await axios.get(`${url}/health`, { timeout: 1000, validateStatus: () => true });
        return res.status === 200;
      } catch {
        return false;
      }
    },
  });
}

/**
 * The tracking URI to use: `MLFLOW_TRACKING_URI` if set, else a local server in the state folder,
 * started now if it is not already running.
 */
export async function ensureMlflow(
  options: {
    stateDir?: string;
    /** Port to try first when a server must be started. @default 5000 */
    preferredPort?: number;
  } = {},
): Promise<{ uri: string; embedded: boolean; started?: boolean }> {
  const fromEnv = process.env['MLFLOW_TRACKING_URI'];
  if (fromEnv) return { uri: fromEnv, embedded: false };
  const dir = path.resolve(options.stateDir ?? defaultStateDir());
  const logFile = path.join(dir, 'logs', 'mlflow.log');
  const endpoint = await ensureEmbeddedServer({
    name: 'mlflow',
    stateDir: dir,
    preferredPort: options.preferredPort ?? 5000,
    logFile,
    start: async (host, port) =>
      (await startMlflowServer({ host, port, dataDir: path.join(dir, 'mlflow'), logFile })).pid,
  });
  const uri = `http://${endpoint.host}:${endpoint.port}`;
  noteEmbeddedUse({ kind: 'mlflow', address: uri, stateDir: dir, started: endpoint.started });
  return { uri, embedded: true, started: endpoint.started };
}
