/**
 * Semantic checks of a multi-objective spec (`objectives: [{ metric, mode }, …]`): a sampler sweep
 * needs a sampler that reads several objectives (TPE as MOTPE, NSGA-II), pruners rank trials on one metric so they
 * refuse the sweep, each metric appears once, and `objective` (if also given) is one of them. Each
 * problem carries its YAML path, so the loader reports the field and its line.
 */
import { metricField } from '../core/domain/objective.js';
import { isMultiObjectiveSampler, samplerNames } from '../search/index.js';
import type { SpecPath } from './errors.js';
import type { SweepSpec } from './schema.js';

/** A problem at a YAML path (the shape of check.ts's `SemanticProblem`, kept here to avoid a cycle). */
export interface ObjectiveProblem {
  path: SpecPath;
  message: string;
}

/** The problems of `objectives` in a schema-valid spec (none for a single-objective spec). */
export function checkObjectives(spec: SweepSpec): ObjectiveProblem[] {
  const objectives = spec.objectives;
  if (!objectives) return [];
  const problems: ObjectiveProblem[] = [];
  const listed = objectives.map((o) => `${o.metric} (${o.mode})`).join(', ');
  const sampler = spec.variants.sampler;
  if (sampler && !isMultiObjectiveSampler(sampler.name)) {
    const multi = samplerNames().filter(isMultiObjectiveSampler);
    problems.push({
      path: ['variants', 'sampler', 'name'],
      message: `sampler '${sampler.name}' optimises one objective, but the spec has ${objectives.length} objectives (${listed}): use name: ${multi.join(' or ')}, or give one 'objective'`,
    });
  }
  if (spec.earlyStopping)
    problems.push({
      path: ['early_stopping'],
      message: `pruners rank trials on one metric; a multi-objective sweep (${listed}) has no single ranking: remove early_stopping`,
    });
  objectives.forEach((o, i) => {
    const first = objectives.findIndex((p) => metricField(p.metric) === metricField(o.metric));
    if (first !== i)
      problems.push({
        path: ['objectives', i, 'metric'],
        message: `metric '${o.metric}' is already objective ${first + 1}; each objective needs its own metric`,
      });
  });
  const main = spec.objective;
  if (!objectives.some((o) => metricField(o.metric) === metricField(main.metric) && o.mode === main.mode))
    problems.push({
      path: ['objective'],
      message: `objective ${main.metric} (${main.mode}) is not one of objectives (${listed}): remove it or make it one of them`,
    });
  return problems;
}
