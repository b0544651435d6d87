/**
 * The cluster's processes as a bench on its laptop host sees them: hosts from the config, the pids
 * scripts/cluster.sh recorded (pid and start time, so that a pid reused by another process is not
 * taken for ours) and each process's log (`logs/<proc>.log`, one `=== … start …` line per start).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { clusterDir, readClusterConfig } from './lifecycle.js';

export const CLUSTER_DIR = clusterDir();

/** `worker1` … `workerN`. */
export function workerHosts(): string[] {
  const n = readClusterConfig(CLUSTER_DIR)?.workers ?? 0;
  return Array.from({ length: n }, (_, i) => `worker${i + 1}`);
}

/** Fields of /proc/<pid>/stat after the command name (fields[0] is field 3, the state). */
export function statFields(pid: number | string): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** The pid recorded for a cluster process (temporal, postgres, mlflow, proxy, workerN) while it runs (a zombie does not). */
export function recordedPid(proc: string): number | undefined {
  const file = path.join(CLUSTER_DIR, 'pids', `${proc}.pid`);
  if (!existsSync(file)) return undefined;
  const [pid, start] = readFileSync(file, 'utf8').trim().split(' ');
  const fields = pid ? statFields(pid) : undefined;
  // fields[19] is field 22, the start time.
  return fields && fields[0] !== 'Z' && fields[19] === start ? Number(pid) : undefined;
}

export const isRunning = (proc: string) => recordedPid(proc) !== undefined;

export const logFile = (proc: string) => path.join(CLUSTER_DIR, 'logs', `${proc}.log`);

/** The part of a process's log written since its latest start. */
export function latestStartLog(proc: string): string {
  const file = logFile(proc);
  if (!existsSync(file)) return '';
  const text = readFileSync(file, 'utf8');
  return text.slice(text.lastIndexOf('\n=== ') + 1);
}

/** A worker's ready line since its latest start, e.g. `… ready: Temporal …; 1 training thread(s) (noop trainer)`. */
export const readyLine = (proc: string) =>
  latestStartLog(proc)
    .split('\n')
    .find((line) => line.includes(' ready: Temporal'));

export const isReady = (proc: string) => readyLine(proc) !== undefined;

export function lastLogLine(proc: string): string {
  const file = logFile(proc);
  if (!existsSync(file)) return '';
  const text = readFileSync(file, 'utf8').trimEnd();
  return text.slice(text.lastIndexOf('\n') + 1).slice(0, 300);
}
