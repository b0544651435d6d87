/** A local MLflow tracking server (`mlflow server`): started by the CLI and by the test setup. */
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import axios from 'axios';
import { stateDir as defaultStateDir } from '../common/paths.js';
import { ensureEmbeddedServer } from './embedded-server.js';
import { requireExecutable, spawnServer, type SpawnedServer } from './local-server.js';

const HOW_TO_INSTALL =
  'Run scripts/setup.sh (installs the PyPI package mlflow into .venv), or set MLFLOW_CLI_PATH to an mlflow executable, or point MLFLOW_TRACKING_URI at a running tracking server.';

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

/** Starts `mlflow server` (SQLite store, proxied local artifacts, loopback) and waits for `/health`. */
export async function startMlflowServer(options: MlflowServerOptions): Promise<SpawnedServer> {
  const executable = requireExecutable('mlflow', 'MLFLOW_CLI_PATH', HOW_TO_INSTALL);
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
    env: { MLFLOW_HOST: host },
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
  options: { stateDir?: string } = {},
): Promise<{ uri: string; embedded: boolean }> {
  const fromEnv = process.env['MLFLOW_TRACKING_URI'];
  if (fromEnv) return { uri: fromEnv, embedded: false };
  const dir = options.stateDir ?? defaultStateDir();
  const endpoint = await ensureEmbeddedServer({
    name: 'mlflow',
    stateDir: dir,
    preferredPort: 5000,
    start: async (host, port) =>
      (
        await startMlflowServer({
          host,
          port,
          dataDir: path.join(dir, 'mlflow'),
          logFile: path.join(dir, 'logs', 'mlflow.log'),
        })
      ).pid,
  });
  return { uri: `http://${endpoint.host}:${endpoint.port}`, embedded: true };
}
