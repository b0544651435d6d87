/**
 * Semantic checks of a schema-valid spec that need no trainable: empty or oversized grids, duplicate
 * values, distributions whose ranges are empty, exclude rules and conditions that name no variant
 * parameter or match nothing, duplicate seeds, duplicate random samples, the `controlled: true` claim
 * and comparisons that select no group; sampler and pruner options by the search layer's rules
 * (./check-sampler.ts). Parameter names and values are the trainable's to check (its
 * schema, src/sweep-spec/check-params.ts). Each problem carries the YAML path (snake_case, as written).
 */
import { BUILTIN_TRAINABLE_NAME } from '../core/domain/builtin-trainable.js';
import type { ParamValue } from '../core/domain/trial.js';
import type { SpecPath } from './errors.js';
import { expandVariants, matchesSelector } from './expand.js';
import type { Variant, VariantOrigin } from './expand.js';
import type { DatasetSpec } from '../datasets/types.js';
import { MAX_SEED } from './schema.js';
import { draw, type Distribution } from '../search/distributions.js';
import type { SweepSpec, VariantsSpec } from './schema.js';
import { didYouMean } from './suggest.js';
import { checkObjectives } from './check-objectives.js';
import { checkPrunerOptions, checkSamplerOptions, samplerSweepEpochs } from './check-sampler.js';
import { checkWarmStart } from './warm-start.js';
import { checkSeedSources } from './seed-sources.js';

/** A semantic problem; `atKey` locates it at the key rather than its value (e.g. an unknown name). */
export interface SemanticProblem {
  path: SpecPath;
  message: string;
  atKey?: boolean;
}

/** Largest grid (points before merging) and sweep (trials) accepted: beyond them a typo is likelier than intent. */
export const MAX_GRID_POINTS = 100_000;
export const MAX_TRIALS = 100_000;

/** CIFAR-10 split sizes: slices cannot be larger. */
const CIFAR10_SIZES = { train: 50_000, test: 10_000 };

function show(value: ParamValue): string {
  return typeof value === 'string' ? `'${value}'` : String(value);
}

function originText(origin: VariantOrigin): string {
  return origin.kind === 'grid' ? `grid point ${origin.index}` : `random sample ${origin.sample}`;
}

function checkDuplicates(problems: SemanticProblem[], values: readonly ParamValue[], path: SpecPath): void {
  values.forEach((value, index) => {
    const first = values.indexOf(value);
    if (first !== index)
      problems.push({
        path: [...path, index],
        message: `duplicate value ${show(value)} (already at index ${first}); each value must appear once`,
      });
  });
}

function checkGrid(problems: SemanticProblem[], grid: Record<string, ParamValue[]>): void {
  const base: SpecPath = ['variants', 'grid'];
  const names = Object.keys(grid);
  if (names.length === 0) {
    problems.push({
      path: base,
      message: 'empty grid: expected at least one parameter, e.g. model: [fc, cnn]',
    });
    return;
  }
  const points = Object.values(grid).reduce((product, values) => product * values.length, 1);
  if (points > MAX_GRID_POINTS) {
    problems.push({
      path: base,
      message: `the grid has ${points} points; at most ${MAX_GRID_POINTS} are allowed (use random search for large spaces)`,
    });
  }
  for (const name of names) checkDuplicates(problems, grid[name] ?? [], [...base, name]);
}

/** Ranges that can give a value (low < high; int bounds may be equal) and log ranges above 0. */
function checkDistributions(
  problems: SemanticProblem[],
  params: Record<string, Distribution>,
  base: SpecPath,
): void {
  for (const [name, d] of Object.entries(params)) {
    const path: SpecPath = [...base, name, d.kind];
    if (d.kind === 'choice') checkDuplicates(problems, d.values, path);
    else if (
      d.kind !== 'normal' &&
      !(d.low < d.high) &&
      !((d.kind === 'int' || d.kind === 'logint') && d.low === d.high)
    ) {
      problems.push({ path, message: `expected [low, high] with low < high; found [${d.low}, ${d.high}]` });
    } else if (d.kind === 'loguniform' && d.low <= 0) {
      problems.push({ path: [...path, 0], message: `loguniform needs low > 0; found ${d.low}` });
    } else if (!drawsAreFinite(d)) {
      problems.push({
        path,
        message: `draws from ${d.kind} [${d.kind === 'normal' ? `${d.mean}, ${d.sd}` : `${d.low}, ${d.high}`}]${'q' in d && d.q !== undefined ? ` with q ${d.q}` : ''} overflow to a non-finite number; give a narrower range${'q' in d && d.q !== undefined ? ' or a larger q' : ''}`,
      });
    }
  }
}

/** Uniforms at the ends and inside of [0, 1), as the seeded stream can give them. */
const PROBE_UNIFORMS = [0, 1e-12, 0.25, 0.5, 0.75, 1 - 1e-12, 1 - 2 ** -32];

/** True when every draw is a finite number: ranges near ±1.8e308 or a tiny q overflow in the arithmetic. */
function drawsAreFinite(d: Distribution): boolean {
  return PROBE_UNIFORMS.every((u) => {
    const value = draw(d, () => u);
    return typeof value !== 'number' || Number.isFinite(value);
  });
}

function checkExclude(problems: SemanticProblem[], variants: VariantsSpec): void {
  const declared = new Set([
    ...Object.keys(variants.grid ?? {}),
    ...Object.keys(variants.random?.params ?? {}),
  ]);
  variants.exclude.forEach((rule, i) => {
    const names = Object.keys(rule);
    if (names.length === 0)
      problems.push({
        path: ['variants', 'exclude', i],
        message: 'empty exclude rule: expected parameter values, e.g. {model: cnn, kernel_size: 5}',
      });
    for (const name of names) {
      if (!declared.has(name)) {
        problems.push({
          path: ['variants', 'exclude', i, name],
          atKey: true,
          message: `'${name}' is not a parameter of this sweep's variants${didYouMean(name, [...declared])}; variant parameters: ${[...declared].join(', ')}`,
        });
      }
    }
  });
}

function checkConditions(problems: SemanticProblem[], variants: VariantsSpec): void {
  const declared = new Set([
    ...Object.keys(variants.grid ?? {}),
    ...Object.keys(variants.random?.params ?? {}),
  ]);
  for (const [param, rule] of Object.entries(variants.when ?? {})) {
    if (!declared.has(param)) {
      problems.push({
        path: ['variants', 'when', param],
        atKey: true,
        message: `'${param}' is not a parameter of this sweep's variants${didYouMean(param, [...declared])}; variant parameters: ${[...declared].join(', ')}`,
      });
    }
    for (const other of Object.keys(rule)) {
      if (!declared.has(other) || other === param) {
        problems.push({
          path: ['variants', 'when', param, other],
          atKey: true,
          message: `the condition of '${param}' names '${other}', which is ${other === param ? 'the parameter itself' : "not a parameter of this sweep's variants"}`,
        });
      }
    }
  }
}

function checkSeeds(problems: SemanticProblem[], seeds: number[]): void {
  const last = seeds[seeds.length - 1] ?? 0;
  if (last > MAX_SEED) {
    problems.push({
      path: ['seeds'],
      message: `seeds run up to ${last}; the largest seed is ${MAX_SEED} (lower start or count)`,
    });
  }
  seeds.forEach((seed, index) => {
    const first = seeds.indexOf(seed);
    if (first !== index)
      problems.push({
        path: ['seeds', index],
        message: `duplicate seed ${seed} (already at seeds[${first}]); seeds must be distinct`,
      });
  });
}

function checkDataset(problems: SemanticProblem[], d: DatasetSpec): void {
  if (d.module !== undefined || d.name === 'none') return; // a plug-in checks its own options; `none` has none
  if (d.name === 'cifar10') {
    if (d.trainSize !== undefined && d.trainSize > CIFAR10_SIZES.train) {
      problems.push({
        path: ['dataset', 'train_size'],
        message: `CIFAR-10 has ${CIFAR10_SIZES.train} training images; found ${d.trainSize}`,
      });
    }
    if (d.testSize !== undefined && d.testSize > CIFAR10_SIZES.test) {
      problems.push({
        path: ['dataset', 'test_size'],
        message: `CIFAR-10 has ${CIFAR10_SIZES.test} test images; found ${d.testSize}`,
      });
    }
  } else if (d.path !== undefined) {
    problems.push({
      path: ['dataset', 'path'],
      atKey: true,
      message: `'path' applies only to dataset cifar10 (the ${d.name} dataset is generated); remove it`,
    });
  }
}

function checkEarlyStopping(problems: SemanticProblem[], spec: SweepSpec, variants: Variant[]): void {
  const rule = spec.earlyStopping;
  if (!rule) return;
  const maxEpochs = Math.max(...variants.map((v) => v.config.train.epochs));
  if (rule.minEpochs >= maxEpochs) {
    problems.push({
      path: ['early_stopping', 'min_epochs'],
      message: `expected fewer than the trials' ${maxEpochs} epochs (the rule could never stop a trial); found ${rule.minEpochs}`,
    });
  }
  // ASHA and Hyperband need every trial's epochs to reach their first rung.
  problems.push(
    ...checkPrunerOptions(
      rule,
      variants.map((v) => v.config.train.epochs),
    ),
  );
}

/** Each selector pair must pick one group per side, two different groups. */
function checkComparisons(
  problems: SemanticProblem[],
  pairs: { a: Record<string, ParamValue>; b: Record<string, ParamValue>; path: SpecPath }[],
  variants: Variant[],
  varying: string[],
): void {
  const valuesOf = (factor: string): string[] => [
    ...new Set(
      variants
        .map((v) => v.factors[factor])
        .filter((x) => x !== undefined)
        .map(String),
    ),
  ];
  pairs.forEach((comparison) => {
    const selected: Record<'a' | 'b', Variant[]> = { a: [], b: [] };
    for (const side of ['a', 'b'] as const) {
      const selector = comparison[side];
      // comparisons[i].a / .b; seeds.until.compare[0] / [1]
      const path: SpecPath = [
        ...comparison.path,
        comparison.path[0] === 'comparisons' ? side : side === 'a' ? 0 : 1,
      ];
      const names = Object.keys(selector);
      if (names.length === 0) {
        problems.push({
          path,
          message: `empty selector: expected factor values, e.g. {${varying[0] ?? 'model'}: ...}`,
        });
        continue;
      }
      let named = true;
      for (const name of names) {
        if (!varying.includes(name)) {
          named = false;
          const list =
            varying.length > 0 ? `varying factors: ${varying.join(', ')}` : 'no factor varies in this sweep';
          problems.push({
            path: [...path, name],
            atKey: true,
            message: `'${name}' is not a factor that varies in this sweep (${list})${didYouMean(name, varying)}`,
          });
        } else if (!valuesOf(name).includes(String(selector[name]))) {
          named = false;
          problems.push({
            path: [...path, name],
            message: `no group has ${name}=${String(selector[name])}; values in this sweep: ${valuesOf(name).join(', ')}`,
          });
        }
      }
      if (!named) continue;
      selected[side] = variants.filter((v) => matchesSelector(selector, v.factors));
      if (selected[side].length === 0) {
        problems.push({
          path,
          message: `selects no group; groups: ${variants.map((v) => v.label).join('; ')}`,
        });
      } else if (selected[side].length > 1) {
        // The report compares one group with one group: a side must pin down a single group.
        problems.push({
          path,
          message: `selects ${selected[side].length} groups (${selected[side].map((v) => v.label).join('; ')}); add factors to pick one`,
        });
      }
    }
    const shared = selected.a.filter((v) => selected.b.includes(v));
    if (shared.length > 0) {
      problems.push({
        path: comparison.path,
        message: `a and b both select ${shared.map((v) => `'${v.label}'`).join(', ')}; a comparison needs two different groups`,
      });
    }
  });
}

/** The parts of a spec that can be checked on their own, when they passed the schema. */
export interface SpecParts {
  variants?: VariantsSpec;
  seeds?: number[];
  dataset?: DatasetSpec;
}

/**
 * Checks that need only one part of the spec each, so they run (and report) even when other parts
 * failed the schema: grids and distributions, exclude rule names, duplicate seeds, dataset sizes.
 */
export function checkSpecParts(parts: SpecParts): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  if (parts.variants) {
    const { grid, random, sampler } = parts.variants;
    if (!grid && !random && !sampler)
      problems.push({
        path: ['variants'],
        message: "expected a 'grid' and/or 'random' search, or a 'sampler'; found none",
      });
    if (sampler && (grid || random))
      problems.push({
        path: ['variants', 'sampler'],
        message: "a sampler proposes every variant itself: remove 'grid' and 'random', or the sampler",
      });
    if (grid) checkGrid(problems, grid);
    if (random) checkDistributions(problems, random.params, ['variants', 'random', 'params']);
    if (sampler) {
      checkDistributions(problems, sampler.params, ['variants', 'sampler', 'params']);
      problems.push(...checkSamplerOptions(sampler));
      if (sampler.warmStart)
        problems.push(
          ...checkWarmStart({
            warmStart: sampler.warmStart,
            space: sampler.params,
            budget: sampler.trials,
            ...(parts.variants.when ? { when: parts.variants.when } : {}),
          }),
        );
    }
    checkExclude(problems, parts.variants);
    checkConditions(problems, parts.variants);
  }
  if (parts.seeds) checkSeeds(problems, parts.seeds);
  if (parts.dataset) checkDataset(problems, parts.dataset);
  return problems;
}

/** Every semantic problem of a schema-valid spec (empty when it is valid). */
export function checkSweepSpec(spec: SweepSpec): SemanticProblem[] {
  const problems = checkSpecParts(spec);
  problems.push(...checkObjectives(spec));
  problems.push(...checkSeedSources(spec));
  if (!spec.trainable && spec.dataset.name === 'none') {
    problems.push({
      path: [],
      message: `missing 'dataset': the built-in ${BUILTIN_TRAINABLE_NAME} trains on one, e.g. dataset: { name: synthetic, train_size: 2000 } (or name a trainable with trainable: ./model.ts#train)`,
    });
  }
  // The remaining checks expand the variants, which needs valid names and values.
  if (problems.length > 0) return problems;
  // A sampler's variants exist only once the sweep runs: nothing to expand.
  if (spec.variants.sampler) {
    if (spec.adaptiveSeeds)
      problems.push({
        path: ['seeds'],
        message: 'adaptive seeds compare two fixed groups; a sampler sweep has none: give a seed list',
      });
    if (spec.earlyStopping)
      problems.push(...checkPrunerOptions(spec.earlyStopping, samplerSweepEpochs(spec)));
    return problems;
  }

  const expansion = expandVariants(spec);
  expansion.excludeMatches.forEach((count, i) => {
    if (count === 0)
      problems.push({
        path: ['variants', 'exclude', i],
        message: 'this rule matches no grid point or random sample; check its names and values',
      });
  });
  if (expansion.variants.length === 0) {
    problems.push({ path: ['variants'], message: 'every variant is excluded: nothing would run' });
    return problems;
  }
  const trials = expansion.variants.length * spec.seeds.length;
  if (trials > MAX_TRIALS) {
    problems.push({
      path: ['seeds'],
      message: `${expansion.variants.length} variants × ${spec.seeds.length} seeds = ${trials} trials; at most ${MAX_TRIALS} are allowed`,
    });
  }
  if (expansion.duplicateSamples.length > 0) {
    const listed = expansion.duplicateSamples
      .slice(0, 5)
      .map((d) => `sample ${d.sample} = ${originText(d.duplicateOf)}`)
      .join(', ');
    const more = expansion.duplicateSamples.length > 5 ? ', …' : '';
    problems.push({
      path: ['variants', 'random', 'samples'],
      message: `${expansion.duplicateSamples.length} random sample(s) repeat an earlier variant (${listed}${more}); use fewer samples, wider distributions or another seed`,
    });
  }
  if (spec.controlled && expansion.varying.length !== 1) {
    const found =
      expansion.varying.length === 0
        ? 'none varies'
        : `${expansion.varying.length} vary: ${expansion.varying.join(', ')}`;
    problems.push({
      path: ['controlled'],
      message: `controlled: true requires exactly one varying factor (change one thing, keep the rest fixed); found ${found}. Fix the variants or set controlled: false`,
    });
  }
  checkEarlyStopping(problems, spec, expansion.variants);
  checkComparisons(
    problems,
    spec.comparisons.map((c, i) => ({ a: c.a, b: c.b, path: ['comparisons', i] as SpecPath })),
    expansion.variants,
    expansion.varying,
  );
  if (spec.adaptiveSeeds) {
    const [a, b] = spec.adaptiveSeeds.until.compare;
    checkComparisons(
      problems,
      [{ a, b, path: ['seeds', 'until', 'compare'] }],
      expansion.variants,
      expansion.varying,
    );
  }
  return problems;
}
