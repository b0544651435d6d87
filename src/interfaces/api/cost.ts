/**
 * `estimateCost`: what a sweep will cost before it runs, as `seedsweep plan` estimates it (the same
 * `PlanCost` its `--json` prints under `cost`): wall time and trial-hours as a range, from earlier
 * finished trials in a tracking server that is already running (none is started), and with `probe` by
 * timing here the groups nothing matched (src/reporting/cost/).
 */
import { UserError } from '../../core/common/errors.js';
import { fingerprintDataset } from '../../datasets/plugins.js';
import type { PlanCost } from '../../reporting/cost/plan-cost.js';
import type { SweepSpec } from '../../sweep-spec/schema.js';
import { estimateSpecCost } from '../../temporal/client/cost-outcome.js';
import type { Experiment } from './experiment.js';
import { specOf } from './sweeps.js';

export type { PlanCost } from '../../reporting/cost/plan-cost.js';
export type { CostEstimate, CostMatch, GroupCost, SecondsRange } from '../../reporting/cost/estimate.js';
export type { StoredEstimate } from '../../reporting/cost/format.js';

/** Options of {@link estimateCost}. */
export interface EstimateCostOptions {
  /** Spec overrides `path=value`, as `--set`. @default [] */
  overrides?: readonly string[];
  /** Training threads of the workers that will run the sweep (`plan --threads`). @default the core count */
  threads?: number;
  /**
   * Time one short epoch of each group no earlier trial matches, in this process (`plan --probe`;
   * trains briefly). @default false
   */
  probe?: boolean;
}

/** The options, checked: a wrong type is a UserError naming the option, not a TypeError later. */
function checkOptions(options: unknown): EstimateCostOptions {
  if (options === undefined) return {};
  const bad = (message: string): never => {
    throw new UserError('E_BAD_ARGUMENT', `estimateCost options: ${message}`);
  };
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    bad(`expected { overrides?, threads?, probe? }; found ${options === null ? 'null' : typeof options}.`);
  const { overrides, threads, probe } = options as Record<string, unknown>;
  if (threads !== undefined && !(Number.isSafeInteger(threads) && (threads as number) >= 1))
    bad('threads must be an integer ≥ 1.');
  if (probe !== undefined && typeof probe !== 'boolean') bad('probe must be true or false.');
  if (overrides !== undefined && !(Array.isArray(overrides) && overrides.every((o) => typeof o === 'string')))
    bad("overrides must be a list of 'path=value' strings, as --set takes.");
  return options as EstimateCostOptions;
}

/**
 * Estimates a sweep's cost from an experiment, a spec file (or shipped sweep name) or a validated spec,
 * as `seedsweep plan` does: `{ estimate, note? }`, or `{ unavailable }` saying why there is none (no
 * tracking server answers and no probe was asked for). Runs nothing on Temporal.
 * @throws SpecError for a spec that does not validate; UserError `E_BAD_ARGUMENT` for bad options.
 */
export async function estimateCost(
  source: Experiment | SweepSpec | string,
  costOptions: EstimateCostOptions = {},
): Promise<PlanCost> {
  const options = checkOptions(costOptions);
  const spec = await specOf(source, options.overrides ?? []);
  const datasetFingerprint = await fingerprintDataset(spec.dataset);
  const { cost } = await estimateSpecCost({
    spec,
    datasetFingerprint,
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
    ...(options.probe !== undefined ? { probe: options.probe } : {}),
  });
  return cost;
}
