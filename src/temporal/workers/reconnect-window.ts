/**
 * How long a worker (or an attached `run`) keeps trying to reach a Temporal server it has lost before
 * it gives up: `--reconnect-minutes N` or `SEEDSWEEP_RECONNECT_MINUTES`, default 10. Giving up is
 * the `E_TEMPORAL_UNREACHABLE` UserError (exit code 2), so that a supervisor restarts the process.
 */
import { UserError } from '../../core/common/errors.js';

/** Minutes a lost Temporal server is waited for by default. */
export const DEFAULT_RECONNECT_MINUTES = 10;

/** The environment variable that sets the window when the flag is not given. */
export const RECONNECT_MINUTES_ENV = 'SEEDSWEEP_RECONNECT_MINUTES';

/**
 * Parses a reconnect window in minutes: a number > 0, fractions allowed (0.5 = 30 s).
 * @param source what the value came from, for the message (`--reconnect-minutes`, the variable name)
 * @throws UserError `E_BAD_ARGUMENT`
 */
export function parseReconnectMinutes(raw: string, source = '--reconnect-minutes'): number {
  const minutes = raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isFinite(minutes) || minutes <= 0) {
    throw new UserError(
      'E_BAD_ARGUMENT',
      `${source} must be a number of minutes > 0 (fractions allowed, e.g. 0.5); got '${raw}'.`,
    );
  }
  return minutes;
}

/** The window from `SEEDSWEEP_RECONNECT_MINUTES`, else the default; a bad value is a UserError. */
export function reconnectMinutesFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[RECONNECT_MINUTES_ENV];
  return raw === undefined || raw === ''
    ? DEFAULT_RECONNECT_MINUTES
    : parseReconnectMinutes(raw, RECONNECT_MINUTES_ENV);
}

/** `10 min`, `0.5 min`, `1.25 min`. */
export function formatMinutes(minutes: number): string {
  return `${Number(minutes.toFixed(2))} min`;
}

/** `45 s`, `3.2 s`, `2 min 5 s`. */
export function formatDuration(ms: number): string {
  const seconds = ms / 1000;
  if (seconds < 10) return `${Number(seconds.toFixed(1))} s`;
  if (seconds < 120) return `${Math.round(seconds)} s`;
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)} min ${whole % 60} s`;
}

/** The error a worker ends with when Temporal stayed unreachable for the whole window. */
export function temporalUnreachableError(options: {
  address: string;
  minutes: number;
  reason: string;
  /** What the process was doing, for the hint. @default a worker */
  what?: 'worker' | 'run';
  sweepId?: string;
}): UserError {
  const hint =
    options.what === 'run'
      ? `sweep ${options.sweepId ?? ''} stays on the server with its checkpoints; continue it with 'seedsweep resume ${options.sweepId ?? '<sweep-id>'}' once Temporal is back.`
      : 'exiting so that a supervisor restarts this worker.';
  return new UserError(
    'E_TEMPORAL_UNREACHABLE',
    `Temporal at ${options.address} unreachable for ${formatMinutes(options.minutes)} (the reconnect window; --reconnect-minutes or ${RECONNECT_MINUTES_ENV}), last error: ${options.reason}; ${hint}`,
    { transient: true },
  );
}
