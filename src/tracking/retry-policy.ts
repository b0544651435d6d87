/**
 * When and how long the MLflow client waits before retrying a request: exponential backoff with full
 * jitter on throttling (429), server errors (5xx) and network errors; never on other 4xx answers.
 */

export interface BackoffOptions {
  /** 0-based index of the retry about to happen (0 = first retry). */
  attempt: number;
  /** Delay scale of the first retry, in milliseconds. @default 250 */
  baseDelayMs?: number;
  /** Upper bound of any single delay, in milliseconds. @default 10000 */
  maxDelayMs?: number;
  /** Uniform random number in [0, 1). @default Math.random */
  random?: () => number;
}

/** "Full jitter": a uniform delay in [0, min(max, base·2^attempt)], which spreads retrying clients apart. */
export function backoffDelayMs(options: BackoffOptions): number {
  const base = options.baseDelayMs ?? 250;
  const max = options.maxDelayMs ?? 10_000;
  const ceiling = Math.min(max, base * 2 ** Math.max(0, options.attempt));
  return Math.floor((options.random ?? Math.random)() * ceiling);
}

/** True for HTTP statuses worth retrying: throttling and server-side failures. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/**
 * The server's `Retry-After` header (seconds or an HTTP date) in milliseconds, capped at `maxMs`;
 * undefined when absent or unreadable.
 */
export function retryAfterMs(header: unknown, maxMs: number, now: number = Date.now()): number | undefined {
  if (typeof header !== 'string' || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.min(maxMs, Math.max(0, seconds * 1000));
  const date = Date.parse(header);
  if (Number.isNaN(date)) return undefined;
  return Math.min(maxMs, Math.max(0, date - now));
}
