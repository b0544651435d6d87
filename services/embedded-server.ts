/**
 * "Start or reuse" for the CLI's embedded servers: the endpoint of a server started earlier is kept in
 * `<state>/<name>.json`; if it still answers it is reused, otherwise a new one is started and recorded.
 */
import { mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { findFreePort, isPortOpen } from './local-server.js';

export interface EmbeddedEndpoint {
  host: string;
  port: number;
  pid: number;
}

export interface EnsureEmbeddedOptions {
  /** File-name stem in the state folder, e.g. `temporal`. */
  name: string;
  stateDir: string;
  /** Port to try first (the tool's usual one), falling back to any free port. */
  preferredPort: number;
  /** Starts the server on host:port and returns its pid once it is ready. */
  start: (host: string, port: number) => Promise<number>;
}

/** Returns the endpoint of a running embedded server, starting one if none answers. */
export async function ensureEmbeddedServer(
  options: EnsureEmbeddedOptions,
): Promise<EmbeddedEndpoint & { started: boolean }> {
  const file = path.join(options.stateDir, `${options.name}.json`);
  try {
    const known = JSON.parse(readFileSync(file, 'utf8')) as EmbeddedEndpoint;
    if (await isPortOpen(known.host, known.port)) return { ...known, started: false };
  } catch {
    // no record, or unreadable: start a new one
  }
  const host = '127.0.0.1';
  const port = (await isPortOpen(host, options.preferredPort))
    ? await findFreePort(host)
    : options.preferredPort;
  const pid = await options.start(host, port);
  mkdirSync(options.stateDir, { recursive: true });
  const endpoint: EmbeddedEndpoint = { host, port, pid };
  writeFileSync(`${file}.tmp`, JSON.stringify(endpoint));
  renameSync(`${file}.tmp`, file);
  return { ...endpoint, started: true };
}
