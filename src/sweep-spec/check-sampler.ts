/**
 * The spec's options for the search layer, checked when the spec loads rather than when the workflow
 * builds the sampler or the pruner (a typo there would surface only as a failed sweep). The rules are
 * the search layer's own: its option list (`samplerOptionKinds`) for names and kinds, then
 * `createSampler` / `createPruner` for ranges, so there is one definition of what each option accepts.
 * Each problem carries its YAML path, so the loader reports the field and its line.
 */
import {
  createPruner,
  createSampler,
  PrunerError,
  SamplerError,
  samplerOptionKinds,
  type SamplerOptionKind,
} from '../search/index.js';
import { describeFound, type SpecPath } from './errors.js';
import type { EarlyStoppingSpec, SamplerSpec, SweepSpec } from './schema.js';
import { prunerSpecOf } from './pruner-spec.js';
import { didYouMean } from './suggest.js';

/** A problem at a YAML path (the shape of check.ts's `SemanticProblem`, kept here to avoid a cycle). */
export interface SearchOptionProblem {
  path: SpecPath;
  message: string;
  atKey?: boolean;
}

const OPTIONS_PATH: SpecPath = ['variants', 'sampler', 'options'];

const EXPECTED: Record<SamplerOptionKind, string> = {
  number: 'a number',
  boolean: 'true or false',
  axes: 'explicit axes',
};

/** Why a value does not have the kind an option takes, or undefined when it has it. */
function kindProblem(kind: SamplerOptionKind, value: unknown): string | undefined {
  if (kind === 'axes')
    // Spec options are scalars: a grid sampler's axes come from its params' distributions.
    return "a sampler spec gives the grid's axes as params, e.g. kernel_size: { choice: [3, 5] }; remove this option";
  if (typeof value !== kind) return `expected ${EXPECTED[kind]}; found ${describeFound(value)}`;
  return undefined;
}

/**
 * Problems of `variants.sampler.options`: unknown names (with the known ones), values of the wrong
 * kind, and values the sampler refuses (each option on its own, so the error names it; then all
 * together, for rules that relate options).
 */
export function checkSamplerOptions(sampler: SamplerSpec): SearchOptionProblem[] {
  const { name, options } = sampler;
  const kinds = samplerOptionKinds(name);
  const problems: SearchOptionProblem[] = [];
  for (const [key, value] of Object.entries(options)) {
    const path: SpecPath = [...OPTIONS_PATH, key];
    if (kinds && !Object.hasOwn(kinds, key)) {
      const known = Object.keys(kinds);
      problems.push({
        path,
        atKey: true,
        message:
          known.length === 0
            ? `unknown option '${key}': the ${name} sampler takes no options; remove it`
            : `unknown ${name} option '${key}'${didYouMean(key, known)}; ${name} options: ${known.join(', ')}`,
      });
      continue;
    }
    const wrongKind = kinds ? kindProblem(kinds[key]!, value) : undefined;
    const refused = wrongKind ?? refusal(name, { [key]: value });
    if (refused !== undefined) problems.push({ path, message: refused });
  }
  if (problems.length === 0) {
    const refused = refusal(name, options);
    if (refused !== undefined) problems.push({ path: OPTIONS_PATH, message: refused });
  }
  return problems;
}

/** The sampler's own message when it refuses these options, else undefined. */
function refusal(name: string, options: Record<string, unknown>): string | undefined {
  try {
    createSampler(name, options);
    return undefined;
  } catch (error) {
    if (error instanceof SamplerError) return error.message;
    throw error;
  }
}

/** The spec key of each pruner option (`maxResource` is the trials' epochs; its limit is `min_resource`). */
const PRUNER_KEYS: Record<string, string> = {
  reductionFactor: 'reduction_factor',
  minResource: 'min_resource',
  maxResource: 'min_resource',
  percentile: 'percentile',
  minTrials: 'min_trials',
  warmupEpochs: 'min_epochs',
};

/**
 * Problems of `early_stopping` that need the trials' epochs: the pruner the workflow would create for
 * a trial of each of these epoch counts must accept its options (the first refusal, fewest epochs
 * first, is reported).
 */
export function checkPrunerOptions(
  rule: EarlyStoppingSpec,
  epochs: readonly number[],
): SearchOptionProblem[] {
  for (const e of [...new Set(epochs)].sort((a, b) => a - b)) {
    try {
      createPruner(prunerSpecOf(rule, e));
    } catch (error) {
      if (!(error instanceof PrunerError)) throw error;
      const key = PRUNER_KEYS[error.field];
      const message =
        error.field === 'maxResource'
          ? `${rule.rule}'s first rung (epoch ${rule.minResource}) is past the last epoch of trials with ${e} epochs; expected min_resource ≤ ${e}`
          : `the ${rule.rule} rule refuses it: ${error.message}`;
      return [{ path: key ? ['early_stopping', key] : ['early_stopping'], message }];
    }
  }
  return [];
}

/**
 * The epochs a sampler sweep's trials can have: the sampler's `epochs` parameter (its lowest values)
 * when it has one, and `train.epochs` when a trial can be without it.
 */
export function samplerSweepEpochs(spec: SweepSpec): number[] {
  const d = spec.variants.sampler?.params['epochs'];
  const epochs: number[] = [];
  if (d?.kind === 'choice') epochs.push(...d.values.filter((v): v is number => typeof v === 'number'));
  else if (d?.kind === 'int' || d?.kind === 'logint') epochs.push(d.low);
  if (!d || spec.variants.when?.['epochs']) epochs.push(spec.train.epochs);
  return epochs;
}
