/** /proc parsing and the process tree of an embedded server, on a fake /proc folder. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  isIdentityAlive,
  listProcesses,
  parseProcStat,
  parseVmRssBytes,
  readRssBytes,
  serverProcesses,
  type ProcStat,
} from '../../../src/services/proc.js';

/** A `/proc/<pid>/stat` line with the fields seedsweep reads (state, ppid, pgrp, session, starttime). */
function statLine(p: ProcStat): string {
  const fields = [p.state, p.ppid, p.pgrp, p.session, ...Array(15).fill(0), p.startTime, 0, 0];
  return `${p.pid} (${p.comm}) ${fields.join(' ')}\n`;
}

function proc(pid: number, ppid: number, session: number, startTime: number, extra: Partial<ProcStat> = {}) {
  return { pid, comm: 'python3', state: 'S', ppid, pgrp: session, session, startTime, ...extra };
}

describe('parseProcStat', () => {
  it('reads the fields after a command name holding spaces and parentheses', () => {
    const stat = parseProcStat(
      '4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 3 0 987654 1000 200\n',
    );
    expect(stat).toEqual({
      pid: 4242,
      comm: 'my (odd) name',
      state: 'S',
      ppid: 1,
      pgrp: 4242,
      session: 4242,
      startTime: 987654,
    });
  });

  it('rejects text that is not a stat line', () => {
    expect(parseProcStat('')).toBeUndefined();
    expect(parseProcStat('12 (x) S 1 2')).toBeUndefined();
  });

  it('round-trips the real stat of this process', () => {
    const me = listProcesses().find((p) => p.pid === process.pid);
    expect(me?.ppid).toBe(process.ppid);
    expect(readRssBytes(process.pid)).toBeGreaterThan(1024 * 1024);
  });
});

describe('parseVmRssBytes', () => {
  it('converts VmRSS from KiB to bytes', () => {
    expect(parseVmRssBytes('Name:\tpython3\nVmPeak:\t 900 kB\nVmRSS:\t  244812 kB\nThreads: 3\n')).toBe(
      244812 * 1024,
    );
    expect(parseVmRssBytes('Name:\tkthreadd\n')).toBeUndefined();
  });
});

describe('serverProcesses', () => {
  const server = { pid: 100, startTime: 5000 };
  const snapshot: ProcStat[] = [
    proc(1, 0, 1, 1),
    proc(100, 1, 100, 5000), // the mlflow launcher, leader of its own session
    proc(101, 100, 100, 5001), // uvicorn
    proc(102, 101, 100, 5002, { state: 'Z' }), // a zombie child
    proc(103, 1, 100, 5003), // orphaned but still in the session (e.g. a huey consumer)
    proc(104, 103, 104, 5004), // a child that made its own session: still a descendant
    proc(200, 1, 200, 4000), // an unrelated server started earlier
    proc(201, 200, 200, 4001),
  ];

  it('holds the leader, its session and group, and their descendants; nothing else', () => {
    expect(serverProcesses(server, snapshot).map((p) => p.pid)).toEqual([100, 101, 102, 103, 104]);
  });

  it('still finds the session after the leader died', () => {
    const leaderGone = snapshot.filter((p) => p.pid !== 100);
    expect(serverProcesses(server, leaderGone).map((p) => p.pid)).toEqual([101, 102, 103, 104]);
  });

  it('finds nothing when the pid now names a different process (reused pid)', () => {
    const reused = [proc(100, 1, 100, 9000), proc(300, 100, 100, 9001)];
    expect(serverProcesses(server, reused)).toEqual([]);
  });

  it('ignores processes older than the server', () => {
    const older = [...snapshot, proc(400, 1, 100, 10)];
    expect(serverProcesses(server, older).map((p) => p.pid)).not.toContain(400);
  });
});

describe('reading a fake /proc', () => {
  it('lists processes, sums nothing for the missing, checks identity by start time', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'seedsweep-proc-'));
    for (const p of [proc(10, 1, 10, 700), proc(11, 10, 10, 701, { state: 'Z' })]) {
      mkdirSync(path.join(root, String(p.pid)));
      writeFileSync(path.join(root, String(p.pid), 'stat'), statLine(p));
      writeFileSync(path.join(root, String(p.pid), 'status'), `Name:\tx\nVmRSS:\t  ${p.pid} kB\n`);
    }
    mkdirSync(path.join(root, 'self'));
    expect(listProcesses(root).map((p) => p.pid)).toEqual([10, 11]);
    expect(readRssBytes(10, root)).toBe(10 * 1024);
    expect(readRssBytes(99, root)).toBe(0);
    expect(isIdentityAlive({ pid: 10, startTime: 700 }, root)).toBe(true);
    expect(isIdentityAlive({ pid: 10, startTime: 999 }, root)).toBe(false);
    expect(isIdentityAlive({ pid: 11, startTime: 701 }, root)).toBe(false); // zombie
    expect(isIdentityAlive({ pid: 12 }, root)).toBe(false);
  });
});
