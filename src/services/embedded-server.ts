/**
 * "Start or reuse" for the CLI's embedded servers: the endpoint of a server started earlier is kept in
 * `<state>/<name>.json`; if it still answers it is reused, otherwise a new one is started and recorded.
 * The record also holds what `seedsweep services` needs to list and stop the server: its pid and that
 * process's start time (so a reused pid is never mistaken for it), and its log file.
 */
import { mkdirSync, readFileSync, writeFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { findFreePort, isPortOpen } from './local-server.js';
import { isIdentityAlive, readProcStat } from './proc.js';

/** The embedded servers seedsweep knows. */
export const EMBEDDED_KINDS = ['temporal', 'mlflow'] as const;
export type EmbeddedKind = (typeof EMBEDDED_KINDS)[number];

export interface EmbeddedEndpoint {
  host: string;
  port: number;
  pid: number;
}

/** What `<state>/<kind>.json` holds (records of older versions have only the endpoint). */
export interface EmbeddedRecord extends EmbeddedEndpoint {
  kind?: EmbeddedKind;
  /** `/proc/<pid>/stat` start time (clock ticks after boot) of the server process. */
  startTime?: number;
  /** The server's log file. */
  logFile?: string;
  /** ISO time the server was started. */
  startedAt?: string;
}

export interface EnsureEmbeddedOptions {
  /** File-name stem in the state folder: `temporal` or `mlflow`. */
  name: EmbeddedKind;
  stateDir: string;
  /** Port to try first (the tool's usual one), falling back to any free port. */
  preferredPort: number;
  /** Where the server logs (kept in the record for `seedsweep services logs`). */
  logFile: string;
  /** Starts the server on host:port and returns its pid once it is ready. */
  start: (host: string, port: number) => Promise<number>;
}

/** An embedded server this process started or reused, for the note `run` prints at its end. */
export interface EmbeddedUse {
  kind: EmbeddedKind;
  /** `host:port` for Temporal, the URL for MLflow. */
  address: string;
  stateDir: string;
  started: boolean;
}

const used = new Map<EmbeddedKind, EmbeddedUse>();

/** Notes that this process uses an embedded server (called by `ensureTemporal` / `ensureMlflow`). */
export function noteEmbeddedUse(use: EmbeddedUse): void {
  used.set(use.kind, use);
}

/** The embedded servers this process started or reused so far (Temporal first). */
export function embeddedServersInUse(): EmbeddedUse[] {
  return EMBEDDED_KINDS.flatMap((kind) => {
    const use = used.get(kind);
    return use ? [use] : [];
  });
}

/** Path of the record of an embedded server. */
export function recordFile(stateDir: string, kind: EmbeddedKind): string {
  return path.join(stateDir, `${kind}.json`);
}

/** The record of an embedded server, or undefined when there is none (or it is unreadable). */
export function readEmbeddedRecord(stateDir: string, kind: EmbeddedKind): EmbeddedRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(recordFile(stateDir, kind), 'utf8')) as EmbeddedRecord;
    if (typeof record.pid !== 'number' || typeof record.port !== 'number' || typeof record.host !== 'string')
      return undefined;
    return { ...record, kind };
  } catch {
    return undefined;
  }
}

/** Writes a record atomically. */
export function writeEmbeddedRecord(stateDir: string, kind: EmbeddedKind, record: EmbeddedRecord): void {
  mkdirSync(stateDir, { recursive: true });
  const file = recordFile(stateDir, kind);
  // Owner-only: the record says where this user's servers listen and which processes they are.
  writeFileSync(`${file}.tmp`, JSON.stringify(record), { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

/** Removes a record (nothing happens when there is none). */
export function removeEmbeddedRecord(stateDir: string, kind: EmbeddedKind): void {
  rmSync(recordFile(stateDir, kind), { force: true });
}

/** Returns the endpoint of a running embedded server, starting one if none answers. */
export async function ensureEmbeddedServer(
  options: EnsureEmbeddedOptions,
): Promise<EmbeddedEndpoint & { started: boolean }> {
  const known = readEmbeddedRecord(options.stateDir, options.name);
  // Reuse only the server of the record: its process still alive, its port answering.
  if (
    known &&
    isIdentityAlive(
      known.startTime === undefined ? { pid: known.pid } : { pid: known.pid, startTime: known.startTime },
    ) &&
    (await isPortOpen(known.host, known.port))
  ) {
    return { host: known.host, port: known.port, pid: known.pid, started: false };
  }
  const host = '127.0.0.1';
  const port = (await isPortOpen(host, options.preferredPort))
    ? await findFreePort(host)
    : options.preferredPort;
  const pid = await options.start(host, port);
  const startTime = readProcStat(pid)?.startTime;
  writeEmbeddedRecord(options.stateDir, options.name, {
    host,
    port,
    pid,
    kind: options.name,
    ...(startTime !== undefined ? { startTime } : {}),
    logFile: options.logFile,
    startedAt: new Date().toISOString(),
  });
  return { host, port, pid, started: true };
}
