/**
 * The connection monitor with a stand-in probe: one line when Temporal is lost, one when it is back,
 * a give-up (E_TEMPORAL_UNREACHABLE) after the reconnect window, and the classification of SDK errors.
 */
import { describe, expect, it } from 'vitest';
import {
  createConnectionMonitor,
  describeConnectionError,
  isConnectionError,
  tcpEndpoint,
} from '../../../../src/temporal/workers/connection-monitor.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A ServiceError as the client throws it: a message, and the gRPC status as its cause. */
function serviceError(code: number, details: string): Error {
  const cause = Object.assign(new Error(`${code} UNAVAILABLE: ${details}`), { code, details });
  return Object.assign(new Error('Failed to get Workflow execution history', { cause }), {
    name: 'ServiceError',
  });
}

function harness(options: { minutes?: number; failuresBeforeLost?: number } = {}) {
  const lines: string[] = [];
  const server = { up: true, error: serviceError(14, 'tcp connect error') as unknown };
  const monitor = createConnectionMonitor({
    address: '127.0.0.1:7233',
    reconnectMinutes: options.minutes ?? 1,
    probe: async () => {
      if (!server.up) throw server.error;
    },
    log: (line) => lines.push(line),
    intervalMs: 10,
    downIntervalMs: 10,
    ...(options.failuresBeforeLost !== undefined ? { failuresBeforeLost: options.failuresBeforeLost } : {}),
  });
  return { lines, server, monitor };
}

describe('connection monitor', () => {
  it('prints one line when the server is lost and one when it is back', async () => {
    const { lines, server, monitor } = harness();
    try {
      await sleep(50);
      expect(lines).toEqual([]);
      expect(monitor.down).toBe(false);
      server.up = false;
      await sleep(80);
      expect(monitor.down).toBe(true);
      expect(lines).toEqual([
        'worker: lost Temporal at 127.0.0.1:7233: UNAVAILABLE: tcp connect error; retrying for up to 1 min',
      ]);
      let up = false;
      void monitor.whenUp().then(() => (up = true));
      await sleep(30);
      expect(up).toBe(false);
      server.up = true;
      await sleep(50);
      expect(up).toBe(true);
      expect(monitor.down).toBe(false);
      expect(lines).toHaveLength(2);
      expect(lines[1]).toMatch(
        /^worker: Temporal at 127\.0\.0\.1:7233 is back after [\d.]+ s; polling again$/,
      );
    } finally {
      monitor.stop();
    }
  });

  it('needs two failed probes in a row when they are not connection errors (a slow answer)', async () => {
    const { lines, server, monitor } = harness({ failuresBeforeLost: 1000 });
    try {
      server.error = new Error('something odd');
      server.up = false;
      await sleep(60);
      expect(lines).toEqual([]); // never 1000 in a row in 60 ms
      server.error = serviceError(14, 'tcp connect error');
      await sleep(40);
      expect(lines).toHaveLength(1);
    } finally {
      monitor.stop();
    }
  });

  it('reportFailure marks the server lost at once; whenUp resolves at once while it answers', async () => {
    const { lines, server, monitor } = harness();
    try {
      await expect(monitor.whenUp()).resolves.toBeUndefined();
      server.up = false;
      monitor.reportFailure('UNAVAILABLE: transport error');
      expect(monitor.down).toBe(true);
      expect(lines).toEqual([
        'worker: lost Temporal at 127.0.0.1:7233: UNAVAILABLE: transport error; retrying for up to 1 min',
      ]);
      monitor.reportFailure('again');
      expect(lines).toHaveLength(1);
    } finally {
      monitor.stop();
    }
  });

  it('gives up with E_TEMPORAL_UNREACHABLE once the server stayed unreachable for the window', async () => {
    const { server, monitor } = harness({ minutes: 0.005 }); // 300 ms
    try {
      const started = Date.now();
      server.up = false;
      await sleep(40);
      const waiting = monitor.whenUp();
      await expect(waiting).rejects.toMatchObject({ code: 'E_TEMPORAL_UNREACHABLE' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      await expect(monitor.gaveUp).rejects.toThrow(
        /^Temporal at 127\.0\.0\.1:7233 unreachable for 0\.01 min .*last error: UNAVAILABLE: tcp connect error; exiting so that a supervisor restarts this worker\.$/,
      );
      await expect(monitor.whenUp()).rejects.toMatchObject({ code: 'E_TEMPORAL_UNREACHABLE' });
    } finally {
      monitor.stop();
    }
  });

  it('does not give up when the server comes back within the window', async () => {
    const { server, monitor } = harness({ minutes: 0.005 });
    try {
      server.up = false;
      await sleep(150);
      server.up = true;
      await sleep(300);
      expect(monitor.down).toBe(false);
      let gaveUp = false;
      monitor.gaveUp.catch(() => (gaveUp = true));
      await sleep(10);
      expect(gaveUp).toBe(false);
    } finally {
      monitor.stop();
    }
  });
});

describe('Temporal errors', () => {
  it('tells connection errors from others, through causes', () => {
    expect(isConnectionError(serviceError(14, 'tcp connect error'))).toBe(true);
    expect(isConnectionError(Object.assign(new Error('deadline'), { code: 4 }))).toBe(true);
    expect(
      isConnectionError(
        new Error(
          'Namespace default was not found or otherwise could not be described: Status { code: Unavailable, message: "tcp connect error" }',
        ),
      ),
    ).toBe(true);
    expect(isConnectionError(new Error('connect ECONNREFUSED 127.0.0.1:7233'))).toBe(true);
    expect(isConnectionError(new Error('Workflow execution failed'))).toBe(false);
    expect(isConnectionError(Object.assign(new Error('not found'), { code: 5 }))).toBe(false);
  });

  it('describes them in one short line', () => {
    expect(describeConnectionError(serviceError(14, 'tcp connect error'))).toBe(
      'UNAVAILABLE: tcp connect error',
    );
    expect(describeConnectionError(new Error('first line\nsecond line'))).toBe('first line');
    expect(describeConnectionError(new Error('x'.repeat(500)))).toHaveLength(200);
  });

  it('reads host and port of an address', () => {
    expect(tcpEndpoint('127.0.0.1:7233')).toEqual({ host: '127.0.0.1', port: 7233 });
    expect(tcpEndpoint('temporal.example.com:443')).toEqual({ host: 'temporal.example.com', port: 443 });
    expect(tcpEndpoint('[::1]:7233')).toEqual({ host: '::1', port: 7233 });
    expect(tcpEndpoint('no-port')).toBeUndefined();
  });
});
