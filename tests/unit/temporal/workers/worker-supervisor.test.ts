/**
 * The worker supervisor with stand-in Workers and a stand-in server: Workers that fail while Temporal
 * is lost are replaced once it is back; Workers that leave their running state unasked are replaced;
 * a server gone beyond the window ends it with E_TEMPORAL_UNREACHABLE; Workers that keep failing while
 * the server answers end it with their error; shutdown stops everything.
 */
import { describe, expect, it } from 'vitest';
import {
  createConnectionMonitor,
  type ConnectionMonitor,
} from '../../../../src/temporal/workers/connection-monitor.js';
import type { SweepWorkers } from '../../../../src/temporal/workers/sweep-worker.js';
import {
  superviseWorkers,
  type WorkerSupervisorOptions,
} from '../../../../src/temporal/workers/worker-supervisor.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Stand-in Workers: `run` pends until `fail`, `stall` or `shutdown`. */
class FakeWorkers implements SweepWorkers {
  shutdownCalls = 0;
  state: 'RUNNING' | 'DRAINING' | 'STOPPED' | 'FAILED' = 'RUNNING';
  private settle: { resolve: () => void; reject: (e: unknown) => void } | undefined;
  private done: Promise<void> | undefined;
  run() {
    this.done = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    return this.done;
  }
  shutdown() {
    this.shutdownCalls += 1;
    if (this.state === 'RUNNING') {
      this.state = 'STOPPED';
      this.settle?.resolve();
    }
  }
  async settled() {
    await this.done?.catch(() => undefined);
  }
  problem() {
    return this.state === 'DRAINING' ? 'seedsweep-control Worker DRAINING' : undefined;
  }
  fail(error: unknown) {
    this.state = 'FAILED';
    this.settle?.reject(error);
  }
  /** Drains on an internal error and never finishes (what left workers without pollers). */
  stall() {
    this.state = 'DRAINING';
  }
}

const unavailable = () =>
  Object.assign(new Error('poll failed: tcp connect error'), { code: 14, details: 'tcp connect error' });

function setup(options: { minutes?: number; supervisor?: Partial<WorkerSupervisorOptions> } = {}) {
  const lines: string[] = [];
  const server = { up: true };
  const monitor: ConnectionMonitor = createConnectionMonitor({
    address: '127.0.0.1:7233',
    reconnectMinutes: options.minutes ?? 1,
    probe: async () => {
      if (!server.up) throw unavailable();
    },
    log: (line) => lines.push(line),
    intervalMs: 10,
    downIntervalMs: 10,
  });
  const generations: FakeWorkers[] = [];
  const supervisor = superviseWorkers({
    monitor,
    log: (line) => lines.push(line),
    start: async () => {
      const workers = new FakeWorkers();
      generations.push(workers);
      return { workers };
    },
    restartDelayMs: { initial: 10, max: 40 },
    healthIntervalMs: 10,
    drainTimeoutMs: 100,
    giveUpDrainTimeoutMs: 50,
    ...options.supervisor,
  });
  return { lines, server, monitor, generations, supervisor };
}

async function until(condition: () => boolean, timeoutMs = 3000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await sleep(5);
  }
}

describe('worker supervisor', () => {
  it('starts new Workers once the server is back when the old ones failed on a lost server', async () => {
    const { lines, server, monitor, generations, supervisor } = setup();
    const running = supervisor.run();
    try {
      await until(() => generations.length === 1);
      server.up = false;
      generations[0]!.fail(unavailable());
      await until(() => monitor.down);
      await sleep(50);
      expect(generations).toHaveLength(1); // nothing new while the server is away
      server.up = true;
      await until(() => generations.length === 2);
      expect(generations[1]!.state).toBe('RUNNING');
      expect(lines.filter((l) => l.includes('lost Temporal'))).toHaveLength(1);
      expect(lines.filter((l) => l.includes('is back after'))).toHaveLength(1);
      expect(lines).toContain(
        'worker: Temporal Workers stopped polling (UNAVAILABLE: tcp connect error); starting new ones',
      );
      expect(lines).toContain('worker: new Temporal Workers started; polling again');
    } finally {
      supervisor.shutdown();
      await running;
      monitor.stop();
    }
    expect(generations[1]!.shutdownCalls).toBe(1);
  });

  it('replaces Workers that left their running state without being asked (no pollers left)', async () => {
    const { lines, monitor, generations, supervisor } = setup();
    const running = supervisor.run();
    try {
      await until(() => generations.length === 1);
      generations[0]!.stall();
      await until(() => generations.length === 2);
      expect(lines).toContain(
        'worker: Temporal Workers stopped polling (seedsweep-control Worker DRAINING); starting new ones',
      );
      expect(lines.some((l) => l.includes('did not stop within'))).toBe(true);
    } finally {
      supervisor.shutdown();
      await running;
      monitor.stop();
    }
  });

  it('gives up with E_TEMPORAL_UNREACHABLE when the server stays away beyond the window', async () => {
    const { server, monitor, generations, supervisor } = setup({ minutes: 0.005 });
    const running = supervisor.run();
    try {
      await until(() => generations.length === 1);
      server.up = false;
      await expect(running).rejects.toMatchObject({ code: 'E_TEMPORAL_UNREACHABLE' });
      expect(generations[0]!.shutdownCalls).toBe(1);
      expect(generations).toHaveLength(1);
    } finally {
      monitor.stop();
    }
  });

  it('gives up with the error of Workers that keep failing while the server answers', async () => {
    const { monitor, generations, supervisor } = setup({ supervisor: { maxQuickFailures: 3 } });
    const running = supervisor.run();
    try {
      for (let n = 1; n <= 3; n++) {
        await until(() => generations.length === n);
        generations[n - 1]!.fail(new Error(`bad workflow bundle ${n}`));
      }
      await expect(running).rejects.toThrow('bad workflow bundle 3');
      expect(generations).toHaveLength(3);
    } finally {
      monitor.stop();
    }
  });

  it('throws an error creating the first Workers as is, unless the server went away meanwhile', async () => {
    const lines: string[] = [];
    const server = { up: true };
    const monitor = createConnectionMonitor({
      address: 'x:1',
      reconnectMinutes: 1,
      probe: async () => {
        if (!server.up) throw unavailable();
      },
      log: (line) => lines.push(line),
      intervalMs: 10,
      downIntervalMs: 10,
    });
    try {
      const bad = superviseWorkers({
        monitor,
        log: (line) => lines.push(line),
        start: async () => {
          throw new Error('cannot bundle');
        },
      });
      await expect(bad.run()).rejects.toThrow('cannot bundle');

      let attempts = 0;
      const workers = new FakeWorkers();
      const lost = superviseWorkers({
        monitor,
        log: (line) => lines.push(line),
        restartDelayMs: { initial: 10, max: 10 },
        start: async () => {
          attempts += 1;
          if (attempts === 1) {
            server.up = false;
            throw unavailable();
          }
          return { workers };
        },
      });
      const running = lost.run();
      await sleep(50);
      expect(attempts).toBe(1);
      server.up = true;
      await until(() => attempts === 2);
      lost.shutdown();
      await running;
      expect(lines.some((l) => l.startsWith('worker: could not start new Temporal Workers'))).toBe(true);
    } finally {
      monitor.stop();
    }
  });

  it('returns when the Workers stop on their own (the SDK stops them on SIGINT/SIGTERM)', async () => {
    const { monitor, generations, supervisor } = setup();
    const running = supervisor.run();
    await until(() => generations.length === 1);
    generations[0]!.shutdown();
    await running;
    expect(generations).toHaveLength(1);
    monitor.stop();
  });
});
