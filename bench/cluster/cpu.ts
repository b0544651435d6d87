/**
 * CPU time of the cluster's processes by role, from /proc: what the Temporal server, MLflow (and the
 * PostgreSQL under it) and the workers spent during a measured stretch. A process counts with all its
 * descendants (MLflow's uvicorn child; PostgreSQL's backends, which call setsid() and so leave the
 * postmaster's process group) and with the children it already reaped (cutime/cstime: backends and
 * autovacuum workers come and go).
 */
import { readdirSync } from 'node:fs';
import { recordedPid, statFields } from './hosts.js';

/** USER_HZ: /proc counts CPU time in ticks of 1/100 s on Linux. */
const CLOCK_TICKS = 100;

interface ProcCpu {
  ppid: number;
  /** utime + stime, and cutime + cstime (reaped children), in ticks. */
  own: number;
  reaped: number;
}

function allProcesses(): Map<number, ProcCpu> {
  const out = new Map<number, ProcCpu>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(entry);
    if (!fields) continue; // gone meanwhile
    // fields[1] is the ppid; utime, stime, cutime, cstime are fields[11…14].
    out.set(Number(entry), {
      ppid: Number(fields[1]),
      own: Number(fields[11]) + Number(fields[12]),
      reaped: Number(fields[13]) + Number(fields[14]),
    });
  }
  return out;
}

/** CPU seconds (user + system) of a process and its descendants, with the children it reaped. */
export function cpuSecondsOfTree(root: number, processes = allProcesses()): number {
  const children = new Map<number, number[]>();
  for (const [pid, p] of processes) children.set(p.ppid, [...(children.get(p.ppid) ?? []), pid]);
  let ticks = processes.get(root)?.reaped ?? 0;
  const todo = [root];
  for (let pid = todo.pop(); pid !== undefined; pid = todo.pop()) {
    ticks += processes.get(pid)?.own ?? 0;
    todo.push(...(children.get(pid) ?? []));
  }
  return ticks / CLOCK_TICKS;
}

/** The server host's processes measured by role. */
export const SERVER_ROLES = ['temporal', 'mlflow', 'postgres'] as const;

/** CPU seconds so far by process: the server roles that run, and each of `workers` (name → pid). */
export function cpuSnapshot(workers: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  const processes = allProcesses();
  for (const proc of SERVER_ROLES) {
    const pid = recordedPid(proc);
    if (pid !== undefined) out.set(proc, cpuSecondsOfTree(pid, processes));
  }
  for (const [name, pid] of workers) out.set(name, cpuSecondsOfTree(pid, processes));
  return out;
}

/** CPU seconds each process spent between two snapshots (only those in both). */
export function cpuSpent(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, seconds] of after) {
    const start = before.get(name);
    if (start !== undefined) out.set(name, seconds - start);
  }
  return out;
}
