/**
 * Listing, stopping and reading the logs of the embedded servers seedsweep started for a state folder
 * (`seedsweep services`). Only servers recorded in `<state>/<kind>.json` are considered, and only the
 * processes that provably belong to them (see {@link serverProcesses}) are signalled.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../core/common/errors.js';
import {
  EMBEDDED_KINDS,
  readEmbeddedRecord,
  removeEmbeddedRecord,
  type EmbeddedKind,
  type EmbeddedRecord,
} from './embedded-server.js';
import { isPortOpen, stopProcessTree } from './local-server.js';
import {
  listProcesses,
  PROC_ROOT,
  readCmdline,
  readRssBytes,
  serverProcesses,
  type ProcessIdentity,
  type ProcStat,
} from './proc.js';

/** One embedded server as `seedsweep services status` shows it. */
export interface ServiceStatus {
  kind: EmbeddedKind;
  /** `host:port` for Temporal, the URL (UI and REST API) for MLflow. */
  address: string;
  host: string;
  port: number;
  pid: number;
  stateDir: string;
  /** `up`: its process runs; `down`: it is gone (the record is stale). */
  state: 'up' | 'down';
  /** Whether its port accepts connections. */
  answering: boolean;
  /** Pids of the server's process tree (the server first). */
  pids: number[];
  /** Resident memory of the whole process tree, bytes (from /proc). */
  rssBytes: number;
  logFile: string;
  startedAt?: string;
}

/** The default log file of an embedded server (where `ensureTemporal` / `ensureMlflow` write it). */
export function defaultLogFile(stateDir: string, kind: EmbeddedKind): string {
  return path.join(stateDir, 'logs', `${kind}.log`);
}

/** The address users type: `host:port` for Temporal, the http URL for MLflow. */
export function serviceAddress(kind: EmbeddedKind, host: string, port: number): string {
  return kind === 'mlflow' ? `http://${host}:${port}` : `${host}:${port}`;
}

/** The executable name a server's command line must mention (checks records without a start time). */
const COMMAND_HINT: Record<EmbeddedKind, string> = { temporal: 'temporal', mlflow: 'mlflow' };

function identityOf(record: EmbeddedRecord): ProcessIdentity {
  return record.startTime === undefined
    ? { pid: record.pid }
    : { pid: record.pid, startTime: record.startTime };
}

/**
 * The running processes of a recorded server (zombies excluded). A record of an older version has no
 * start time; its pid then counts only while that process's command line names the server's program.
 */
export function recordProcesses(
  kind: EmbeddedKind,
  record: EmbeddedRecord,
  snapshot: readonly ProcStat[],
  procRoot = PROC_ROOT,
): ProcStat[] {
  if (record.startTime === undefined) {
    const cmdline = readCmdline(record.pid, procRoot);
    const leader = snapshot.find((p) => p.pid === record.pid);
    if (leader && !cmdline.includes(COMMAND_HINT[kind])) return [];
  }
  return serverProcesses(identityOf(record), snapshot).filter((p) => p.state !== 'Z');
}

function parseKinds(kind: string | undefined): EmbeddedKind[] {
  if (kind === undefined) return [...EMBEDDED_KINDS];
  return [parseServiceKind(kind)];
}

/** `temporal` or `mlflow`, else a UserError naming the choices. */
export function parseServiceKind(value: string): EmbeddedKind {
  const kind = value.toLowerCase();
  if ((EMBEDDED_KINDS as readonly string[]).includes(kind)) return kind as EmbeddedKind;
  throw new UserError(
    'E_BAD_ARGUMENT',
    `unknown service '${value}'; expected ${EMBEDDED_KINDS.join(' or ')}.`,
  );
}

/** Status of the embedded servers recorded in a state folder (none recorded: an empty list). */
export async function servicesStatus(
  stateDir: string,
  options: { kind?: string; procRoot?: string; checkPort?: typeof isPortOpen } = {},
): Promise<ServiceStatus[]> {
  const procRoot = options.procRoot ?? PROC_ROOT;
  const checkPort = options.checkPort ?? isPortOpen;
  const snapshot = listProcesses(procRoot);
  const out: ServiceStatus[] = [];
  for (const kind of parseKinds(options.kind)) {
    const record = readEmbeddedRecord(stateDir, kind);
    if (!record) continue;
    const processes = recordProcesses(kind, record, snapshot, procRoot);
    const up = processes.length > 0;
    out.push({
      kind,
      address: serviceAddress(kind, record.host, record.port),
      host: record.host,
      port: record.port,
      pid: record.pid,
      stateDir,
      state: up ? 'up' : 'down',
      answering: up && (await checkPort(record.host, record.port)),
      pids: processes.map((p) => p.pid),
      rssBytes: processes.reduce((sum, p) => sum + readRssBytes(p.pid, procRoot), 0),
      logFile: record.logFile ?? defaultLogFile(stateDir, kind),
      ...(record.startedAt ? { startedAt: record.startedAt } : {}),
    });
  }
  return out;
}

/** What `seedsweep services stop` did to one server. */
export interface ServiceStopResult {
  kind: EmbeddedKind;
  address: string;
  pid: number;
  /** `stopped`: it ran and is gone; `not-running`: only a stale record was removed; `failed`: processes survived. */
  outcome: 'stopped' | 'not-running' | 'failed';
  /** Processes that were running when the stop began. */
  processes: number;
  /** Some needed SIGKILL after the grace time. */
  forced: boolean;
  /** Pids still alive (only with `failed`). */
  remaining: number[];
}

/**
 * Stops the recorded embedded servers (one kind or both): SIGTERM to each server's process tree, a
 * bounded wait, SIGKILL for stragglers; then removes their records. A record whose processes survive
 * is kept, so a later `stop` can try again.
 */
export async function stopServices(
  stateDir: string,
  options: { kind?: string; graceMs?: number; procRoot?: string } = {},
): Promise<ServiceStopResult[]> {
  const procRoot = options.procRoot ?? PROC_ROOT;
  const kinds = parseKinds(options.kind);
  const results: ServiceStopResult[] = [];
  for (const kind of kinds) {
    const record = readEmbeddedRecord(stateDir, kind);
    if (!record) continue;
    const base = { kind, address: serviceAddress(kind, record.host, record.port), pid: record.pid };
    if (recordProcesses(kind, record, listProcesses(procRoot), procRoot).length === 0) {
      removeEmbeddedRecord(stateDir, kind);
      results.push({ ...base, outcome: 'not-running', processes: 0, forced: false, remaining: [] });
      continue;
    }
    const outcome = await stopProcessTree(identityOf(record), {
      procRoot,
      ...(options.graceMs !== undefined ? { graceMs: options.graceMs } : {}),
    });
    if (outcome.remaining.length === 0) removeEmbeddedRecord(stateDir, kind);
    results.push({
      ...base,
      outcome: outcome.remaining.length === 0 ? 'stopped' : 'failed',
      processes: outcome.processes,
      forced: outcome.forced,
      remaining: outcome.remaining,
    });
  }
  return results;
}

/** The last `lines` lines of a text file (reads at most the last 4 MiB). */
export function tailFile(file: string, lines: number): string[] {
  if (lines <= 0) return [];
  const size = statSync(file).size;
  const length = Math.min(size, 4 * 1024 * 1024);
  const buffer = Buffer.alloc(length);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buffer, 0, length, size - length);
  } finally {
    closeSync(fd);
  }
  const all = buffer.toString('utf8').split('\n');
  if (all.at(-1) === '') all.pop();
  return all.slice(-lines);
}

/** One server's log tail, for `seedsweep services logs`. */
export interface ServiceLog {
  kind: EmbeddedKind;
  file: string;
  lines: string[];
}

/**
 * Tails the log files of the embedded servers (one kind or both). Asking for a kind whose log does not
 * exist, or for both when neither exists, is a UserError that says where it looked.
 */
export function serviceLogs(stateDir: string, options: { kind?: string; lines?: number } = {}): ServiceLog[] {
  const lines = options.lines ?? 50;
  const logs: ServiceLog[] = [];
  const missing: string[] = [];
  for (const kind of parseKinds(options.kind)) {
    const file = readEmbeddedRecord(stateDir, kind)?.logFile ?? defaultLogFile(stateDir, kind);
    try {
      logs.push({ kind, file, lines: tailFile(file, lines) });
    } catch {
      missing.push(file);
    }
  }
  if (logs.length === 0) {
    throw new UserError(
      'E_NO_LOG',
      `no server log at ${missing.join(' or ')}; seedsweep has not started ${
        options.kind === undefined
          ? 'embedded servers'
          : `an embedded ${parseServiceKind(options.kind)} server`
      } for the state folder ${stateDir} (SEEDSWEEP_STATE_DIR selects another).`,
    );
  }
  return logs;
}
