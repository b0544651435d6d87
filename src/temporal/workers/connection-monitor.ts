/**
 * Watches whether the Temporal frontend answers: a TCP connection and a cheap call (`GetSystemInfo`)
 * every few seconds (every second while it is lost). It prints one line when the server is lost and one when it is back, and gives up (the
 * `E_TEMPORAL_UNREACHABLE` error) once the server has been unreachable for longer than the reconnect
 * window. The SDK's pollers retry on their own; the monitor is what tells the user, what the worker
 * supervisor waits on before it starts new Workers, and what bounds the wait.
 */
import net from 'node:net';
import type { NativeConnection } from '@temporalio/worker';
import type { UserError } from '../../core/common/errors.js';
import { formatDuration, formatMinutes, temporalUnreachableError } from './reconnect-window.js';

/** gRPC status names of the codes worth naming in a line. */
const GRPC_CODE_NAMES: Record<number, string> = {
  1: 'CANCELLED',
  2: 'UNKNOWN',
  4: 'DEADLINE_EXCEEDED',
  8: 'RESOURCE_EXHAUSTED',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
};

/** Codes that say the server could not be reached (or did not answer in time). */
const CONNECTION_CODES = new Set([4, 14]);
const CONNECTION_MESSAGE =
  /tcp connect error|transport error|connection (refused|reset|closed|error)|ECONNREFUSED|ECONNRESET|broken pipe|dns error|unavailable/i;

/** The error and its causes, outermost first (at most a few levels). */
function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = error;
  while (current !== undefined && current !== null && chain.length < 6 && !chain.includes(current)) {
    chain.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}

function grpcCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** True when the error (or a cause) says Temporal could not be reached: UNAVAILABLE, a transport error… */
export function isConnectionError(error: unknown): boolean {
  return causeChain(error).some((e) => {
    const code = grpcCode(e);
    if (code !== undefined && CONNECTION_CODES.has(code)) return true;
    return CONNECTION_MESSAGE.test(messageOf(e).split('\n')[0] ?? '');
  });
}

/** A short, one-line reason: `UNAVAILABLE: tcp connect error`, or the innermost message. */
export function describeConnectionError(error: unknown): string {
  const chain = causeChain(error);
  const coded = chain.find((e) => grpcCode(e) !== undefined && GRPC_CODE_NAMES[grpcCode(e) as number]);
  const innermost = coded ?? chain[chain.length - 1] ?? error;
  const code = grpcCode(innermost);
  const name = code !== undefined ? GRPC_CODE_NAMES[code] : undefined;
  const details = (innermost as { details?: unknown }).details;
  const text = (typeof details === 'string' && details ? details : messageOf(innermost))
    .split('\n')[0]
    ?.replace(/^\d+ [A-Z_]+: /, '')
    .trim();
  const line = name ? `${name}: ${text}` : (text ?? 'unknown error');
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

/** `host:port` (or `[v6]:port`) as a TCP endpoint, or undefined when it is not one. */
export function tcpEndpoint(address: string): { host: string; port: number } | undefined {
  try {
    const url = new URL(`tcp://${address}`);
    const port = Number(url.port);
    if (!url.hostname || !Number.isInteger(port) || port <= 0) return undefined;
    return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port };
  } catch {
    return undefined;
  }
}

/** Resolves once a TCP connection to the endpoint opens (then closes it); rejects on refusal or timeout. */
export function tcpReachable(endpoint: { host: string; port: number }, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const socket = net.connect({ host: endpoint.host, port: endpoint.port });
    const done = (error?: Error) => {
      socket.destroy();
      if (error) reject(error);
      else resolve();
    };
    socket.setTimeout(timeoutMs, () =>
      done(new Error(`connection error: no TCP connection within ${formatDuration(timeoutMs)}`)),
    );
    socket.once('connect', () => done());
    socket.once('error', (error) => done(error));
  });
}

/**
 * One probe of the frontend: a TCP connection to `address` first (the SDK's own calls retry a refused
 * connection for seconds before they fail; this fails at once), then a `GetSystemInfo` call through
 * `connection`. Rejects when either fails or the call does not answer within `timeoutMs`.
 */
export async function probeTemporal(
  connection: NativeConnection,
  address: string,
  timeoutMs = 5000,
): Promise<void> {
  const endpoint = tcpEndpoint(address);
  if (endpoint) await tcpReachable(endpoint, timeoutMs);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      connection.withDeadline(Date.now() + timeoutMs, () => connection.workflowService.getSystemInfo({})),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${formatDuration(timeoutMs)}`)),
          timeoutMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export interface ConnectionMonitorOptions {
  /** host:port, for the lines. */
  address: string;
  /** How long the server may stay unreachable before the monitor gives up. */
  reconnectMinutes: number;
  /** Resolves when the server answers; rejects (with the reason) when it does not. */
  probe: () => Promise<void>;
  log: (line: string) => void;
  /** Start of the lines: `worker` or `run`. @default 'worker' */
  who?: string;
  /** What the lost line says happens meanwhile. @default 'retrying' */
  meanwhile?: string;
  /** What the back line says happens now. @default 'polling again' */
  now?: string;
  /** Milliseconds between probes while the server answers. @default 3000 */
  intervalMs?: number;
  /** Milliseconds between probes while it does not. @default 1000 */
  downIntervalMs?: number;
  /** Failed probes in a row (other than connection errors, which count at once) before the server is lost. @default 2 */
  failuresBeforeLost?: number;
  /** The give-up error. @default {@link temporalUnreachableError} for a worker */
  giveUpError?: (reason: string) => UserError;
  /** @default Date.now */
  clock?: () => number;
}

export interface ConnectionMonitor {
  /** True from the lost line until the back line. */
  readonly down: boolean;
  /** Marks the server lost now (a call failed with a connection error); probes then say when it is back. */
  reportFailure(reason: string): void;
  /** Resolves once the server answers (at once if it does); rejects with the give-up error. */
  whenUp(): Promise<void>;
  /** Rejects with the give-up error when the window has passed; never resolves. */
  readonly gaveUp: Promise<never>;
  /** Stops probing (waiters of `whenUp` stay pending). */
  stop(): void;
}

/** Starts probing at once. */
export function createConnectionMonitor(options: ConnectionMonitorOptions): ConnectionMonitor {
  const clock = options.clock ?? Date.now;
  const who = options.who ?? 'worker';
  const windowMs = options.reconnectMinutes * 60_000;
  const failuresBeforeLost = options.failuresBeforeLost ?? 2;
  const giveUpError =
    options.giveUpError ??
    ((reason: string) =>
      temporalUnreachableError({ address: options.address, minutes: options.reconnectMinutes, reason }));
  let down = false;
  let downSince = 0;
  let lastReason = '';
  let failures = 0;
  let stopped = false;
  let failed: UserError | undefined;
  let upWaiters: { resolve: () => void; reject: (error: UserError) => void }[] = [];
  let rejectGaveUp: (error: UserError) => void = () => undefined;
  const gaveUp = new Promise<never>((_, reject) => (rejectGaveUp = reject));
  gaveUp.catch(() => undefined); // observed by whoever races it; never an unhandled rejection
  let wake: () => void = () => undefined;
  let timer: NodeJS.Timeout | undefined;
  let windowTimer: NodeJS.Timeout | undefined;

  const markDown = (reason: string) => {
    lastReason = reason;
    if (down || failed) return;
    down = true;
    downSince = clock();
    windowTimer = setTimeout(() => checkWindow(true), windowMs);
    options.log(
      `${who}: lost Temporal at ${options.address}: ${reason}; ${options.meanwhile ?? 'retrying'} for up to ${formatMinutes(options.reconnectMinutes)}`,
    );
    wake();
  };
  const markUp = () => {
    failures = 0;
    if (!down) return;
    down = false;
    clearTimeout(windowTimer);
    options.log(
      `${who}: Temporal at ${options.address} is back after ${formatDuration(clock() - downSince)}; ${options.now ?? 'polling again'}`,
    );
    const waiters = upWaiters;
    upWaiters = [];
    for (const w of waiters) w.resolve();
  };
  function checkWindow(due = false) {
    if (!down || failed || (!due && clock() - downSince < windowMs)) return;
    failed = giveUpError(lastReason);
    stopped = true;
    rejectGaveUp(failed);
    const waiters = upWaiters;
    upWaiters = [];
    for (const w of waiters) w.reject(failed);
    wake();
  }

  void (async () => {
    while (!stopped) {
      try {
        await options.probe();
        if (stopped) break;
        markUp();
      } catch (error) {
        if (stopped) break;
        failures += 1;
        const reason = describeConnectionError(error);
        lastReason = reason;
        if (isConnectionError(error) || failures >= failuresBeforeLost) markDown(reason);
      }
      checkWindow();
      if (stopped) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, down ? (options.downIntervalMs ?? 1000) : (options.intervalMs ?? 3000));
      });
      clearTimeout(timer);
    }
  })();

  return {
    get down() {
      return down;
    },
    reportFailure(reason) {
      if (stopped) return;
      markDown(reason);
    },
    whenUp() {
      if (failed) return Promise.reject(failed);
      if (!down) return Promise.resolve();
      return new Promise<void>((resolve, reject) => upWaiters.push({ resolve, reject }));
    },
    gaveUp,
    stop() {
      stopped = true;
      clearTimeout(timer);
      clearTimeout(windowTimer);
      wake();
    },
  };
}
