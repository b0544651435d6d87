/**
 * Reading processes from Linux `/proc`: identity (start time), parent, process group and session, and
 * resident memory. The embedded servers' status and stop use it to find every process a server
 * spawned (MLflow's uvicorn worker, for instance) and nothing else. Every reader takes the `/proc`
 * root as a parameter so tests can point it at a fake tree.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isProcessAlive } from '../core/common/process.js';

/** The fields of `/proc/<pid>/stat` seedsweep uses. */
export interface ProcStat {
  pid: number;
  /** Executable name as the kernel records it (at most 15 characters). */
  comm: string;
  /** One-letter state: R, S, D, Z (zombie), T, … */
  state: string;
  ppid: number;
  /** Process group id. */
  pgrp: number;
  /** Session id. */
  session: number;
  /** Start time after boot in clock ticks: with the pid, identifies a process (pids are reused). */
  startTime: number;
}

/** Default root of the proc file system. */
export const PROC_ROOT = '/proc';

/**
 * Parses the content of `/proc/<pid>/stat`. The command name is in parentheses and may itself hold
 * spaces and parentheses, so the fields after it are split from the last `)`.
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  const rest = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  // rest[0] is field 3 (state); field n is rest[n - 3].
  const [state, ppid, pgrp, session] = [rest[0], rest[1], rest[2], rest[3]];
  const startTime = rest[19];
  if (state === undefined || startTime === undefined) return undefined;
  const numbers = [pid, Number(ppid), Number(pgrp), Number(session), Number(startTime)];
  if (numbers.some((n) => !Number.isInteger(n))) return undefined;
  return {
    pid,
    comm: text.slice(open + 1, close),
    state,
    ppid: Number(ppid),
    pgrp: Number(pgrp),
    session: Number(session),
    startTime: Number(startTime),
  };
}

/** The resident set size in bytes from the content of `/proc/<pid>/status` (`VmRSS`, in KiB). */
export function parseVmRssBytes(statusText: string): number | undefined {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(statusText);
  return match ? Number(match[1]) * 1024 : undefined;
}

/** `/proc/<pid>/stat` of one process, or undefined when it does not exist (any more). */
export function readProcStat(pid: number, procRoot = PROC_ROOT): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(path.join(procRoot, String(pid), 'stat'), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Resident memory of one process in bytes (0 for zombies and vanished processes). */
export function readRssBytes(pid: number, procRoot = PROC_ROOT): number {
  try {
    return parseVmRssBytes(readFileSync(path.join(procRoot, String(pid), 'status'), 'utf8')) ?? 0;
  } catch {
    return 0;
  }
}

/** The command line of a process, arguments joined by spaces ('' when unreadable). */
export function readCmdline(pid: number, procRoot = PROC_ROOT): string {
  try {
    return readFileSync(path.join(procRoot, String(pid), 'cmdline'), 'utf8')
      .split('\0')
      .join(' ')
      .trim();
  } catch {
    return '';
  }
}

/** Every process visible in `/proc` (a snapshot; processes may vanish while it is read). */
export function listProcesses(procRoot = PROC_ROOT): ProcStat[] {
  let names: string[];
  try {
    names = readdirSync(procRoot);
  } catch {
    return [];
  }
  const stats: ProcStat[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readProcStat(Number(name), procRoot);
    if (stat) stats.push(stat);
  }
  return stats;
}

/** Identifies the server process a record points at: its pid and the start time seen when it started. */
export interface ProcessIdentity {
  pid: number;
  /** `ProcStat.startTime` when the server was recorded; absent in records written by older versions. */
  startTime?: number;
}

/**
 * The processes that belong to a server started detached (as the leader of its own session and
 * process group): the leader itself when its start time matches, every process still in its session
 * or process group (a pid is not reused while a session or group of that id exists, so they are its
 * own even after the leader died), and all descendants of those. Processes started before the server
 * are never included. Pure: works on a snapshot from {@link listProcesses}.
 */
export function serverProcesses(identity: ProcessIdentity, snapshot: readonly ProcStat[]): ProcStat[] {
  const notOlder = (p: ProcStat) => identity.startTime === undefined || p.startTime >= identity.startTime;
  const holder = snapshot.find((p) => p.pid === identity.pid);
  // The pid now names another process: the server and its session are gone (the kernel does not
  // reuse a pid while a session or group of that id exists), and that process's group is not ours.
  if (holder && identity.startTime !== undefined && holder.startTime !== identity.startTime) return [];
  const members = new Map<number, ProcStat>();
  for (const p of snapshot) {
    const inGroup = p.session === identity.pid || p.pgrp === identity.pid;
    if ((p.pid === identity.pid || inGroup) && notOlder(p)) members.set(p.pid, p);
  }
  const children = new Map<number, ProcStat[]>();
  for (const p of snapshot) {
    const list = children.get(p.ppid);
    if (list) list.push(p);
    else children.set(p.ppid, [p]);
  }
  const queue = [...members.values()];
  while (queue.length > 0) {
    const parent = queue.shift() as ProcStat;
    for (const child of children.get(parent.pid) ?? []) {
      if (!members.has(child.pid) && notOlder(child)) {
        members.set(child.pid, child);
        queue.push(child);
      }
    }
  }
  return [...members.values()].sort((a, b) => a.pid - b.pid);
}

/** True when the process with this identity exists (and is not a zombie). */
export function isIdentityAlive(identity: ProcessIdentity, procRoot = PROC_ROOT): boolean {
  // Without a proc file system (not Linux), whether the pid exists is all that can be known.
  if (!existsSync(procRoot)) return isProcessAlive(identity.pid);
  const stat = readProcStat(identity.pid, procRoot);
  if (!stat || stat.state === 'Z') return false;
  return identity.startTime === undefined || stat.startTime === identity.startTime;
}
