/**
 * Listing, stopping and tailing the embedded servers of a state folder. Status runs on a fake /proc;
 * stop runs on real throw-away process trees this test starts itself (shell and sleep), one of which
 * ignores SIGTERM, standing in for a server whose children do not exit.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isUserError } from '../../../src/core/common/errors.js';
import { readEmbeddedRecord, writeEmbeddedRecord } from '../../../src/services/embedded-server.js';
import { serviceLogs, servicesStatus, stopServices, tailFile } from '../../../src/services/manage.js';
import { listProcesses, readProcStat, serverProcesses, type ProcStat } from '../../../src/services/proc.js';

const tmp = (prefix: string) => mkdtempSync(path.join(os.tmpdir(), prefix));

function fakeProc(processes: (ProcStat & { rssKiB: number; cmdline: string })[]): string {
  const root = tmp('seedsweep-fakeproc-');
  mkdirSync(path.join(root, 'self'));
  for (const p of processes) {
    const dir = path.join(root, String(p.pid));
    mkdirSync(dir);
    const fields = [p.state, p.ppid, p.pgrp, p.session, ...Array(15).fill(0), p.startTime, 0];
    writeFileSync(path.join(dir, 'stat'), `${p.pid} (${p.comm}) ${fields.join(' ')}\n`);
    writeFileSync(path.join(dir, 'status'), `Name:\t${p.comm}\nVmRSS:\t ${p.rssKiB} kB\n`);
    writeFileSync(path.join(dir, 'cmdline'), p.cmdline.split(' ').join('\0'));
  }
  return root;
}

const p = (
  pid: number,
  ppid: number,
  session: number,
  startTime: number,
  rssKiB: number,
  cmdline: string,
) => ({
  pid,
  comm: cmdline.split(' ')[0]!.slice(0, 15),
  state: 'S',
  ppid,
  pgrp: session,
  session,
  startTime,
  rssKiB,
  cmdline,
});

describe('servicesStatus', () => {
  it('lists each recorded server with its tree memory; a dead or reused pid is down', async () => {
    const dir = tmp('seedsweep-state-');
    const procRoot = fakeProc([
      p(500, 1, 500, 100, 1000, 'temporal server start-dev'),
      p(600, 1, 600, 200, 250_000, 'python3 mlflow server'),
      p(601, 600, 600, 201, 245_000, 'python3 -m uvicorn'),
      p(700, 1, 700, 50, 99_999, 'some other program'),
    ]);
    writeEmbeddedRecord(dir, 'temporal', { host: '127.0.0.1', port: 7301, pid: 500, startTime: 100 });
    writeEmbeddedRecord(dir, 'mlflow', {
      host: '127.0.0.1',
      port: 5301,
      pid: 600,
      startTime: 200,
      logFile: '/x/mlflow.log',
    });
    const status = await servicesStatus(dir, { procRoot, checkPort: async (_h, port) => port === 7301 });
    expect(status).toEqual([
      expect.objectContaining({
        kind: 'temporal',
        address: '127.0.0.1:7301',
        pid: 500,
        state: 'up',
        answering: true,
        pids: [500],
        rssBytes: 1000 * 1024,
        stateDir: dir,
        logFile: path.join(dir, 'logs', 'temporal.log'),
      }),
      expect.objectContaining({
        kind: 'mlflow',
        address: 'http://127.0.0.1:5301',
        state: 'up',
        answering: false,
        pids: [600, 601],
        rssBytes: 495_000 * 1024,
        logFile: '/x/mlflow.log',
      }),
    ]);

    // pid 600 reused by another program; pid 500 gone; a legacy record (no start time) of a foreign pid.
    writeEmbeddedRecord(dir, 'mlflow', { host: '127.0.0.1', port: 5301, pid: 600, startTime: 999 });
    writeEmbeddedRecord(dir, 'temporal', { host: '127.0.0.1', port: 7301, pid: 700 });
    const stale = await servicesStatus(dir, { procRoot, checkPort: async () => true });
    expect(stale.map((s) => [s.kind, s.state, s.pids, s.rssBytes, s.answering])).toEqual([
      ['temporal', 'down', [], 0, false],
      ['mlflow', 'down', [], 0, false],
    ]);
    expect(await servicesStatus(dir, { procRoot, kind: 'mlflow' })).toHaveLength(1);
  });

  it('is empty for a state folder without records', async () => {
    expect(await servicesStatus(tmp('seedsweep-state-'))).toEqual([]);
  });
});

describe('stopServices (real throw-away process trees)', () => {
  const started: number[] = [];
  afterEach(() => {
    for (const pid of started.splice(0)) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });

  /** A detached shell (own session, like an embedded server) with background children. */
  async function startTree(script: string): Promise<{ pid: number; startTime: number }> {
    const child = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
    child.unref();
    const pid = child.pid as number;
    started.push(pid);
    // Wait until the shell has started its children.
    for (let i = 0; i < 50; i++) {
      if (serverProcesses({ pid }, listProcesses()).length >= 3) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    return { pid, startTime: readProcStat(pid)!.startTime };
  }

  it('stops every process of each tree (SIGKILL for those ignoring SIGTERM) and removes the records', async () => {
    const dir = tmp('seedsweep-state-');
    const polite = await startTree('sleep 300 & sleep 300 & wait');
    const stubborn = await startTree(`trap '' TERM; sh -c "trap '' TERM; sleep 300; :" & sleep 300 & wait`);
    writeEmbeddedRecord(dir, 'temporal', { host: '127.0.0.1', port: 1, ...polite });
    writeEmbeddedRecord(dir, 'mlflow', { host: '127.0.0.1', port: 2, ...stubborn });
    const pids = [polite, stubborn].flatMap((id) => serverProcesses(id, listProcesses()).map((s) => s.pid));
    expect(pids.length).toBeGreaterThanOrEqual(6);

    const results = await stopServices(dir, { graceMs: 1500 });
    expect(results.map((r) => [r.kind, r.outcome, r.forced])).toEqual([
      ['temporal', 'stopped', false],
      ['mlflow', 'stopped', true],
    ]);
    const alive = listProcesses().filter((s) => pids.includes(s.pid) && s.state !== 'Z');
    expect(alive).toEqual([]);
    expect(readEmbeddedRecord(dir, 'temporal')).toBeUndefined();
    expect(readEmbeddedRecord(dir, 'mlflow')).toBeUndefined();
  });

  it('only removes a stale record, signalling nothing', async () => {
    const dir = tmp('seedsweep-state-');
    // This test process's own pid with a wrong start time: a reused pid, which must not be signalled.
    writeEmbeddedRecord(dir, 'mlflow', { host: '127.0.0.1', port: 2, pid: process.pid, startTime: 1 });
    const results = await stopServices(dir, { graceMs: 100 });
    expect(results).toEqual([
      expect.objectContaining({ kind: 'mlflow', outcome: 'not-running', processes: 0 }),
    ]);
    expect(readEmbeddedRecord(dir, 'mlflow')).toBeUndefined();
    expect(await stopServices(dir)).toEqual([]);
  });
});

describe('logs', () => {
  it('tails files and says where it looked when there is no log', () => {
    const dir = tmp('seedsweep-state-');
    mkdirSync(path.join(dir, 'logs'));
    const lines = Array.from({ length: 120 }, (_, i) => `line ${i}`);
    writeFileSync(path.join(dir, 'logs', 'mlflow.log'), `${lines.join('\n')}\n`);
    expect(tailFile(path.join(dir, 'logs', 'mlflow.log'), 3)).toEqual(['line 117', 'line 118', 'line 119']);
    expect(serviceLogs(dir, { lines: 2 })).toEqual([
      { kind: 'mlflow', file: path.join(dir, 'logs', 'mlflow.log'), lines: ['line 118', 'line 119'] },
    ]);
    try {
      serviceLogs(dir, { kind: 'temporal' });
      expect.unreachable();
    } catch (error) {
      expect(isUserError(error) && error.code).toBe('E_NO_LOG');
      expect((error as Error).message).toContain(path.join(dir, 'logs', 'temporal.log'));
    }
    expect(() => serviceLogs(dir, { kind: 'postgres' })).toThrow(/unknown service 'postgres'/);
  });
});
