/**
 * The report's Pareto section for a multi-objective sweep: one point per group (configuration), its
 * mean final value of each objective over the group's finished seeds, as the sampler saw it
 * (src/temporal/workflows/adaptive-plan.ts). The front, hypervolume and chart are pareto.ts's.
 */
import { metricField, type Objective } from '../../core/domain/objective.js';
import type { TrialRecord } from '../../core/domain/trial.js';
import { finalValue } from './metrics.js';
import { paretoSection, type ParetoSection } from './pareto.js';
import type { GroupReport } from './report-types.js';

/** A trial's final value of an objective's metric, by the spec's spelling or the reported one; NaN when absent. */
function objectiveValue(record: TrialRecord, metric: string): number {
  const value = finalValue(record, metric);
  return Number.isNaN(value) ? finalValue(record, metricField(metric)) : value;
}

/** The mean of the finite values, NaN when there is none. */
function meanOfFinite(values: readonly number[]): number {
  const finite = values.filter(Number.isFinite);
  return finite.length > 0 ? finite.reduce((a, b) => a + b, 0) / finite.length : Number.NaN;
}

/**
 * `{ pareto }` for a sweep with two or more objectives, else `{}` (a report field spread into the report).
 * @param options.objectives The spec's `objectives`, in order.
 * @param options.groups The report's groups (their labels name the points).
 * @param options.recordsByGroup Each group's finished trials, by group key.
 */
export function groupsPareto(options: {
  objectives: readonly Objective[] | undefined;
  groups: readonly GroupReport[];
  recordsByGroup: ReadonlyMap<string, readonly TrialRecord[]>;
}): { pareto?: ParetoSection } {
  const { objectives } = options;
  if (!objectives || objectives.length < 2) return {};
  const points = options.groups.map((g) => {
    const records = options.recordsByGroup.get(g.groupKey) ?? [];
    return {
      label: g.label,
      values: objectives.map((o) => meanOfFinite(records.map((r) => objectiveValue(r, o.metric)))),
    };
  });
  return { pareto: paretoSection({ objectives, points }) };
}
