/**
 * `resume` of a warm-started sweep: the new run gets the warm history its sweep was submitted with
 * (from the latest run's input), so its sampler continues from the same earlier configurations plus
 * its own. A fake Temporal client answers the three calls resume makes (describe, the input, start).
 */
import type { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { resumeSweep } from '../../../../src/temporal/client/sweeps.js';
import type { SweepWorkflowInput } from '../../../../src/temporal/shared/shared.js';

function fakeClient(input: Partial<SweepWorkflowInput>) {
  const started: { args: unknown[] }[] = [];
  const client = {
    options: {
      namespace: 'default',
      loadedDataConverter: { payloadConverter: { fromPayload: (p: unknown) => p } },
    },
    withDeadline: (_deadline: number, fn: () => Promise<unknown>) => fn(),
    workflowService: {
      getWorkflowExecutionHistory: async () => ({
        history: { events: [{ workflowExecutionStartedEventAttributes: { input: { payloads: [input] } } }] },
      }),
    },
    workflow: {
      getHandle: (workflowId: string) => ({
        describe: async () => ({
          workflowId,
          runId: 'old-run',
          status: { name: 'FAILED' },
          startTime: new Date(0),
          closeTime: new Date(1),
          memo: { sweepName: 'tiny-warm' },
        }),
      }),
      start: async (_type: string, options: { args: unknown[] }) => {
        started.push(options);
        return { firstExecutionRunId: 'new-run' };
      },
    },
  };
  return { client: client as unknown as Client, started };
}

describe('resuming a warm-started sweep', () => {
  const warmStart = { params: ['x'], trials: [[[0.5], [1.25]]] as [number[], number[]][] };
  const base = {
    sweepId: 'tiny-warm-1',
    spec: {
      name: 'tiny-warm',
      backend: 'wasm',
      variants: { exclude: [] },
    } as unknown as SweepWorkflowInput['spec'],
    datasetFingerprint: 'fp',
  };

  it('starts the new run with the warm history of the one it replaces', async () => {
    const { client, started } = fakeClient({ ...base, warmStart });
    const resumed = await resumeSweep({ client, sweepId: 'tiny-warm-1' });
    expect(resumed).toMatchObject({ sweepId: 'tiny-warm-1', runId: 'new-run', previousStatus: 'FAILED' });
    const input = started[0]!.args[0] as SweepWorkflowInput;
    expect(input.warmStart).toEqual(warmStart);
    expect(input.state).toBeUndefined();
  });

  it('adds none to a sweep that had none', async () => {
    const { client, started } = fakeClient(base);
    await resumeSweep({ client, sweepId: 'tiny-warm-1' });
    expect(started[0]!.args[0]).not.toHaveProperty('warmStart');
  });
});
