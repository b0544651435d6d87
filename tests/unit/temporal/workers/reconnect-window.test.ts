/** `--reconnect-minutes` / SEEDSWEEP_RECONNECT_MINUTES: validated once, with a clear message. */
import { describe, expect, it } from 'vitest';
import { workerOptionsFromFlags } from '../../../../src/temporal/workers/options.js';
import {
  DEFAULT_RECONNECT_MINUTES,
  formatDuration,
  formatMinutes,
  parseReconnectMinutes,
  reconnectMinutesFromEnv,
  temporalUnreachableError,
} from '../../../../src/temporal/workers/reconnect-window.js';

const flags = { queue: 'cpu' as const, control: true, trainer: 'noop' as const };

describe('reconnect window', () => {
  it('accepts positive minutes, fractions included', () => {
    expect(parseReconnectMinutes('10')).toBe(10);
    expect(parseReconnectMinutes('0.1')).toBe(0.1);
    expect(workerOptionsFromFlags({ ...flags, reconnectMinutes: '2.5' }).reconnectMinutes).toBe(2.5);
    expect(workerOptionsFromFlags(flags).reconnectMinutes).toBeUndefined();
  });

  it('rejects anything else with one clear E_BAD_ARGUMENT line', () => {
    for (const bad of ['0', '-1', 'ten', '', 'Infinity', '1e999']) {
      expect(() => parseReconnectMinutes(bad)).toThrow(
        `--reconnect-minutes must be a number of minutes > 0 (fractions allowed, e.g. 0.5); got '${bad}'.`,
      );
    }
    expect(() => workerOptionsFromFlags({ ...flags, reconnectMinutes: 'x' })).toThrow(
      /^--reconnect-minutes \(or SEEDSWEEP_RECONNECT_MINUTES\) must be a number of minutes > 0/,
    );
  });

  it('reads SEEDSWEEP_RECONNECT_MINUTES, else the default', () => {
    expect(reconnectMinutesFromEnv({})).toBe(DEFAULT_RECONNECT_MINUTES);
    expect(reconnectMinutesFromEnv({ SEEDSWEEP_RECONNECT_MINUTES: '0.5' })).toBe(0.5);
    expect(() => reconnectMinutesFromEnv({ SEEDSWEEP_RECONNECT_MINUTES: 'no' })).toThrow(
      /^SEEDSWEEP_RECONNECT_MINUTES must be a number of minutes > 0/,
    );
  });

  it('formats minutes and durations for the lines', () => {
    expect(formatMinutes(10)).toBe('10 min');
    expect(formatMinutes(0.1)).toBe('0.1 min');
    expect(formatMinutes(1 / 3)).toBe('0.33 min');
    expect(formatDuration(3200)).toBe('3.2 s');
    expect(formatDuration(45_000)).toBe('45 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
  });

  it('gives up with E_TEMPORAL_UNREACHABLE, saying what to do', () => {
    const worker = temporalUnreachableError({ address: 'h:7233', minutes: 10, reason: 'UNAVAILABLE: x' });
    expect(worker.code).toBe('E_TEMPORAL_UNREACHABLE');
    expect(worker.message).toMatch(
      /^Temporal at h:7233 unreachable for 10 min .*exiting so that a supervisor restarts this worker\.$/,
    );
    const run = temporalUnreachableError({
      address: 'h:7233',
      minutes: 1,
      reason: 'x',
      what: 'run',
      sweepId: 's1',
    });
    expect(run.message).toContain("continue it with 'seedsweep resume s1' once Temporal is back");
  });
});
