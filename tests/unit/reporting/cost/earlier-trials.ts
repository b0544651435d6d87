/**
 * Earlier sweeps' trial runs in a fake MLflow, as seedsweep logs them (the record in the run's
 * `seedsweep.record` tag), for the cost-estimate tests of `plan` and the API's `estimateCost`.
 */
import type { PlannedTrial, TrialRecord } from '../../../../src/core/domain/trial.js';

/** An MLflow REST call (POST, JSON) to the server at `uri`. */
export async function mlflowCall(
  uri: string,
  endpoint: string,
  body: unknown,
): Promise<Record<string, unknown>> {
  const res = await fetch(`${uri}/api/2.0/mlflow/${endpoint}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await res.json()) as Record<string, unknown>;
}

/** Creates the experiment earlier trials are logged to; returns its id. */
export async function earlierExperiment(uri: string): Promise<string> {
  const created = (await mlflowCall(uri, 'experiments/create', { name: 'earlier' })) as {
    experiment_id: string;
  };
  return created.experiment_id;
}

/** A trial run of an earlier sweep whose epochs took `epochSeconds`, ended with `status`. */
export async function earlierTrialRun(options: {
  uri: string;
  experimentId: string;
  trial: PlannedTrial;
  epochSeconds: number[];
  /** @default 'FINISHED' */
  status?: string;
}): Promise<void> {
  const { uri, trial } = options;
  const epochs = options.epochSeconds.map((s, i) => ({ epoch: i + 1, testAccuracy: 0.5, epochSeconds: s }));
  const record: TrialRecord = {
    ...trial,
    sweepId: 'earlier',
    result: { epochs, final: epochs.at(-1)!, backend: { name: 'wasm', version: '4' }, resumedFromEpoch: 0 },
  };
  const tags = {
    'seedsweep.role': 'trial',
    'seedsweep.sweep_id': 'earlier',
    'seedsweep.trial_key': trial.trialKey,
    'seedsweep.group_key': trial.groupKey,
    'seedsweep.record': JSON.stringify(record),
  };
  const created = (await mlflowCall(uri, 'runs/create', {
    experiment_id: options.experimentId,
    start_time: Date.now(),
    tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
  })) as { run: { info: { run_id: string } } };
  await mlflowCall(uri, 'runs/update', {
    run_id: created.run.info.run_id,
    status: options.status ?? 'FINISHED',
    end_time: Date.now(),
  });
}
