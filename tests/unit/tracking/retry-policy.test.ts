import { describe, expect, it } from 'vitest';
import { backoffDelayMs, isRetryableStatus, retryAfterMs } from '../../../src/tracking/retry-policy.js';

describe('retry policy', () => {
  it('backs off exponentially with full jitter, capped', () => {
    const highest = (attempt: number) =>
      backoffDelayMs({ attempt, baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.999999 });
    expect([0, 1, 2, 3, 4, 5].map(highest)).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoffDelayMs({ attempt: 3, baseDelayMs: 100, random: () => 0 })).toBe(0);
    expect(backoffDelayMs({ attempt: 2, baseDelayMs: 100, random: () => 0.5 })).toBe(200);
  });

  it('spreads delays of one attempt over the whole window', () => {
    const delays = Array.from({ length: 200 }, () => backoffDelayMs({ attempt: 2, baseDelayMs: 100 }));
    expect(Math.min(...delays)).toBeLessThan(100);
    expect(Math.max(...delays)).toBeGreaterThan(300);
    expect(Math.max(...delays)).toBeLessThan(400);
  });

  it('retries throttling and server errors only', () => {
    expect([429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 409].some(isRetryableStatus)).toBe(false);
  });

  it('reads Retry-After as seconds or as a date, capped', () => {
    expect(retryAfterMs('2', 10_000)).toBe(2000);
    expect(retryAfterMs('120', 10_000)).toBe(10_000);
    expect(retryAfterMs(new Date(5_000).toUTCString(), 10_000, 2_000)).toBe(3000);
    expect(retryAfterMs(undefined, 10_000)).toBeUndefined();
    expect(retryAfterMs('soon', 10_000)).toBeUndefined();
  });
});
