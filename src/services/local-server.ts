/**
 * Starting, finding and stopping the local helper servers (Temporal dev server, MLflow) that seedsweep
 * runs when the user points it at none. Written by hand because it is small and specific: find the
 * executable, spawn it detached with its log in the state folder, wait until it answers.
 */
import { isProcessAlive } from '../core/common/process.js';
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, openSync, closeSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { UserError } from '../core/common/errors.js';
import { cacheVenvBinDir, venvBinDir } from '../core/common/paths.js';
import {
  listProcesses,
  PROC_ROOT,
  readProcStat,
  serverProcesses,
  type ProcessIdentity,
  type ProcStat,
} from './proc.js';

/**
 * Where an executable is looked for, in order: the environment variable `envVar` (alone when set: an
 * explicit choice is never replaced by another), the repository's `.venv/bin` (development), the
 * per-user cache's venv (`seedsweep setup`), then PATH.
 */
export function executableCandidates(name: string, envVar?: string): string[] {
  const fromEnv = envVar ? process.env[envVar] : undefined;
  if (fromEnv) return [fromEnv];
  const candidates = [path.join(venvBinDir(), name), path.join(cacheVenvBinDir(), name)];
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter))
    if (dir) candidates.push(path.join(dir, name));
  return candidates;
}

/** The first of {@link executableCandidates} that is an executable file, or undefined. */
export function findExecutable(name: string, envVar?: string): string | undefined {
  for (const candidate of executableCandidates(name, envVar)) {
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not this one
    }
  }
  return undefined;
}

/** Like {@link findExecutable} but throws a {@link UserError} that says how to install it. */
export function requireExecutable(name: string, envVar: string, howToInstall: string): string {
  const found = findExecutable(name, envVar);
  if (!found) {
    const fromEnv = process.env[envVar];
    throw new UserError(
      'E_EXECUTABLE_MISSING',
      fromEnv
        ? `$${envVar} is ${fromEnv}, which is not an executable file. Unset it or point it at a ${name} executable.`
        : `'${name}' was not found in ${venvBinDir()}, ${cacheVenvBinDir()} or PATH. ${howToInstall}`,
    );
  }
  return found;
}

/** A free TCP port on the loopback interface. */
export async function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** True when something accepts TCP connections on host:port. */
export async function isPortOpen(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface SpawnServerOptions {
  /** Human name used in messages, e.g. `Temporal dev server`. */
  name: string;
  executable: string;
  args: string[];
  /** File receiving the server's stdout and stderr. */
  logFile: string;
  /** Resolves true once the server is ready to serve. */
  isReady: () => Promise<boolean>;
  /** @default 60_000 */
  readyTimeoutMs?: number;
  /** Keep running after this process exits (the CLI's embedded servers). @default true */
  detached?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface SpawnedServer {
  pid: number;
  /** Sends SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** Spawns a server process and waits until `isReady` says so; on failure the error points at its log. */
export async function spawnServer(options: SpawnServerOptions): Promise<SpawnedServer> {
  mkdirSync(path.dirname(options.logFile), { recursive: true });
  const log = openSync(options.logFile, 'a');
  const detached = options.detached ?? true;
  const child = spawn(options.executable, options.args, {
    detached,
    stdio: ['ignore', log, log],
    env: { ...process.env, ...options.env },
  });
  closeSync(log);
  let exited: number | null | undefined;
  child.on('exit', (code) => {
    exited = code ?? -1;
  });
  if (detached) child.unref();
  const pid = child.pid;
  if (pid === undefined)
    throw new UserError('E_SERVER_START', `could not start ${options.name} (${options.executable}).`);
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (exited !== undefined) {
      throw new UserError(
        'E_SERVER_START',
        `${options.name} exited with code ${exited} while starting; see its log at ${options.logFile}.`,
      );
    }
    if (await options.isReady()) {
      return { pid, stop: (graceMs?: number) => stopProcess(pid, graceMs) };
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stopProcess(pid, 2000);
  throw new UserError(
    'E_SERVER_START',
    `${options.name} did not become ready within ${Math.round((options.readyTimeoutMs ?? 60_000) / 1000)} s; see its log at ${options.logFile}.`,
  );
}

/** What {@link stopProcessTree} did. */
export interface StopOutcome {
  /** Processes of the server found running when the stop began. */
  processes: number;
  /** True when some did not exit within the grace time and were sent SIGKILL. */
  forced: boolean;
  /** Pids still alive at the end (normally none). */
  remaining: number[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Stops a server and every process it spawned: SIGTERM to its process group and to each process of
 * its tree ({@link serverProcesses}), a wait of at most `graceMs` for all of them to exit, then SIGKILL
 * to whatever is left (and a short wait for the kernel to reap them). Only processes that belong to the
 * identified server are signalled; a pid reused by another process is left alone.
 */
export async function stopProcessTree(
  identity: ProcessIdentity,
  options: { graceMs?: number; procRoot?: string } = {},
): Promise<StopOutcome> {
  const procRoot = options.procRoot ?? PROC_ROOT;
  const graceMs = options.graceMs ?? 10_000;
  if (!existsSync(procRoot)) {
    // No proc file system: signal the group (or the process) and wait for the leader only.
    const alive = isProcessAlive(identity.pid);
    if (alive) await stopGroupWithoutProc(identity.pid, graceMs);
    const remaining = isProcessAlive(identity.pid) ? [identity.pid] : [];
    return { processes: alive ? 1 : 0, forced: false, remaining };
  }
  const running = () => serverProcesses(identity, listProcesses(procRoot)).filter((p) => p.state !== 'Z');
  const signalAll = (members: ProcStat[], sig: NodeJS.Signals) => {
    if (members.some((p) => p.pgrp === identity.pid)) trySignal(-identity.pid, sig);
    for (const p of members) trySignal(p.pid, sig);
  };
  const first = running();
  if (first.length === 0) return { processes: 0, forced: false, remaining: [] };
  signalAll(first, 'SIGTERM');
  const waitGone = async (ms: number) => {
    const deadline = Date.now() + ms;
    let left = running();
    while (left.length > 0 && Date.now() < deadline) {
      await sleep(100);
      left = running();
    }
    return left;
  };
  let left = await waitGone(graceMs);
  let forced = false;
  if (left.length > 0) {
    forced = true;
    signalAll(left, 'SIGKILL');
    left = await waitGone(3000);
  }
  return { processes: first.length, forced, remaining: left.map((p) => p.pid) };
}

function trySignal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone (or not a group leader)
  }
}

async function stopGroupWithoutProc(pid: number, graceMs: number): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      trySignal(pid, sig);
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isProcessAlive(pid)) return;
    await sleep(100);
  }
  signal('SIGKILL');
}

/**
 * Stops a process and everything it spawned: SIGTERM, then SIGKILL after `graceMs` to whatever is
 * still running (see {@link stopProcessTree}).
 */
export async function stopProcess(pid: number, graceMs = 10_000): Promise<void> {
  if (!isProcessAlive(pid)) return;
  const startTime = readProcStat(pid)?.startTime;
  await stopProcessTree(startTime === undefined ? { pid } : { pid, startTime }, { graceMs });
}
