/**
 * A warm-started sampler's history: the earlier sweeps' finished configurations (from the workflow
 * input, {@link WarmStartHistory}) before this sweep's own, oldest first, as TPE weighs them.
 * Pure and deterministic (workflow code).
 */
import type { FinishedTrial } from '../../search/index.js';
import type { ParamValue } from '../../core/domain/trial.js';
import type { WarmStartHistory } from '../shared/shared.js';

/**
 * The rows of a warm-start history as the sampler's finished trials: parameters by name (a null,
 * dropped by a `when` condition, left out), `value` the first objective, `values` every objective of
 * a multi-objective sweep (`objectives` ≥ 2).
 */
export function warmTrialsOf(history: WarmStartHistory | undefined, objectives: number): FinishedTrial[] {
  if (!history) return [];
  return history.trials.map(([row, values]) => {
    const params: Record<string, ParamValue> = {};
    history.params.forEach((name, i) => {
      const value = row[i];
      if (value !== null && value !== undefined) params[name] = value;
    });
    return objectives >= 2
      ? { params, value: values[0] ?? NaN, values }
      : { params, value: values[0] ?? NaN };
  });
}

/** A configuration's identity across sweeps: its parameter values by name (`3` and `'3'` alike). */
function configurationKey(params: Readonly<Record<string, ParamValue>>): string {
  return JSON.stringify(
    Object.entries(params)
      .map(([name, value]) => [name, String(value)])
      .sort(([a], [b]) => (a! < b! ? -1 : a! > b! ? 1 : 0)),
  );
}

/**
 * What the sampler sees: the warm trials, oldest first, then this sweep's own. A warm configuration
 * this sweep has run itself is left out, so no configuration counts twice (this sweep's result stands).
 */
export function samplerHistory(
  warm: readonly FinishedTrial[],
  own: readonly FinishedTrial[],
): FinishedTrial[] {
  if (warm.length === 0) return [...own];
  const ran = new Set(own.map((t) => configurationKey(t.params)));
  return [...warm.filter((t) => !ran.has(configurationKey(t.params))), ...own];
}
