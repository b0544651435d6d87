import { describe, expect, it } from 'vitest';
import { configuredTaskQueues, prefixedTaskQueues } from '../../../../src/temporal/shared/queue-prefix.js';

describe('SEEDSWEEP_QUEUE_PREFIX', () => {
  it('names the queues a run, a resume and a worker use when none are given', () => {
    expect(configuredTaskQueues({ SEEDSWEEP_QUEUE_PREFIX: 'team-a' })).toEqual({
      control: 'team-a-control',
      cpu: 'team-a-cpu',
      gpu: 'team-a-gpu',
    });
  });

  it('unset or empty: the production queues', () => {
    expect(configuredTaskQueues({}).control).toBe('seedsweep-control');
    expect(configuredTaskQueues({ SEEDSWEEP_QUEUE_PREFIX: '' }).cpu).toBe('seedsweep-cpu');
  });

  it('refuses a prefix Temporal queue names should not carry, naming where it came from', () => {
    expect(() => configuredTaskQueues({ SEEDSWEEP_QUEUE_PREFIX: 'team a' })).toThrow(
      /SEEDSWEEP_QUEUE_PREFIX "team a": a task-queue prefix is letters/,
    );
    expect(() => prefixedTaskQueues('-x')).toThrow(/--queue-prefix "-x"/);
  });
});
