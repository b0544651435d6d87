/**
 * A sampler sweep's warm start (`variants.sampler.warm_start`): earlier sweeps whose finished trials
 * the sampler starts from, and configurations the user wants tried first. This module holds the YAML
 * schema, the camelCase form and the checks made once at load (the listed configurations must lie in
 * the search space). Reading the earlier sweeps' trials happens at submission
 * (src/temporal/client/warm-start.ts); the workflow uses both (src/temporal/workflows/adaptive-plan.ts).
 */
import { z } from 'zod';
import type { ParamValue } from '../core/domain/trial.js';
import type { Distribution } from '../search/distributions.js';
import { outsideDistribution } from '../search/space-contains.js';
import type { SpecPath } from './errors.js';
import { didYouMean } from './suggest.js';

/** Earlier sweeps a warm start may name (each is read from the tracker at submission). */
export const MAX_WARM_START_SWEEPS = 20;

const scalar = z.union([z.number(), z.string(), z.boolean()]);

/** `variants.sampler.warm_start` as written. */
export const warmStartSchema = z
  .strictObject({
    /** Sweep ids or names whose finished trials the sampler starts from. */
    sweeps: z.array(z.string().min(1)).max(MAX_WARM_START_SWEEPS).default([]),
    /** Configurations proposed first, in order, before the sampler proposes. */
    trials: z.array(z.record(z.string(), scalar)).default([]),
  })
  .refine((w) => w.sweeps.length + w.trials.length > 0, {
    message:
      'give earlier sweeps (sweeps: [<sweep id or name>]) and/or configurations to try first (trials: [{…}])',
  });

/** A sampler's warm start (camelCase form, plain JSON: it is part of the workflow input's spec). */
export interface WarmStartSpec {
  /** Sweep ids or names whose finished trials the sampler starts from (read at submission). */
  sweeps: string[];
  /** Configurations proposed first, in order; they count toward the sampler's `trials`. */
  trials: Record<string, ParamValue>[];
}

export function toWarmStartSpec(file: z.output<typeof warmStartSchema>): WarmStartSpec {
  return { sweeps: file.sweeps, trials: file.trials };
}

/** A problem at a YAML path (the shape of check.ts's `SemanticProblem`). */
export interface WarmStartProblem {
  path: SpecPath;
  message: string;
  atKey?: boolean;
}

const PATH: SpecPath = ['variants', 'sampler', 'warm_start'];

/**
 * Whether parameter `name` applies to a configuration under the sweep's `when` rules (a parameter
 * whose condition fails is dropped from the configuration, as in spec expansion).
 */
export function appliesUnder(
  name: string,
  values: Readonly<Record<string, ParamValue | undefined>>,
  when: Readonly<Record<string, Record<string, ParamValue[]>>> | undefined,
): boolean {
  const rule = when?.[name];
  if (!rule) return true;
  return Object.entries(rule).every(([other, allowed]) => {
    const value = values[other];
    return value !== undefined && allowed.some((v) => String(v) === String(value));
  });
}

/**
 * Problems of a warm start: listed configurations beyond the sampler's budget, naming a parameter the
 * space lacks, missing one that applies, or holding a value outside its distribution; a sweep listed twice.
 */
export function checkWarmStart(options: {
  warmStart: WarmStartSpec;
  space: Readonly<Record<string, Distribution>>;
  /** The sampler's budget of configurations. */
  budget: number;
  when?: Readonly<Record<string, Record<string, ParamValue[]>>>;
}): WarmStartProblem[] {
  const { warmStart, space, budget, when } = options;
  const problems: WarmStartProblem[] = [];
  const names = Object.keys(space);
  warmStart.sweeps.forEach((ref, i) => {
    if (warmStart.sweeps.indexOf(ref) !== i)
      problems.push({ path: [...PATH, 'sweeps', i], message: `'${ref}' is listed twice; list it once` });
  });
  if (warmStart.trials.length > budget)
    problems.push({
      path: [...PATH, 'trials'],
      message: `${warmStart.trials.length} configurations listed, but the sampler runs ${budget} (variants.sampler.trials); list at most ${budget} or raise trials`,
    });
  warmStart.trials.forEach((trial, i) => {
    for (const [name, value] of Object.entries(trial)) {
      const distribution = space[name];
      if (!distribution) {
        problems.push({
          path: [...PATH, 'trials', i, name],
          atKey: true,
          message: `'${name}' is not a parameter of the sampler's space${didYouMean(name, names)}; its parameters: ${names.join(', ')}`,
        });
        continue;
      }
      const outside = outsideDistribution(distribution, value);
      if (outside !== undefined)
        problems.push({
          path: [...PATH, 'trials', i, name],
          message: `outside the search space: ${outside}`,
        });
    }
    const missing = names.filter((name) => trial[name] === undefined && appliesUnder(name, trial, when));
    if (missing.length > 0)
      problems.push({
        path: [...PATH, 'trials', i],
        message: `missing ${missing.map((m) => `'${m}'`).join(', ')}: a configuration to try first gives every parameter of the space`,
      });
  });
  return problems;
}
