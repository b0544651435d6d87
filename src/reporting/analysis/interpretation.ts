/**
 * The study's interpretation: each claim of "why CNNs beat fully connected nets" that the sweep's groups
 * can address, with a verdict and the statistic behind it. Claims are tested, not repeated: the numbers
 * decide, whichever way they fall.
 */
import { currentFormOf, keyFormOf } from '../../core/domain/builtin-trainable.js';
import type { ModelStats, TrialRecord } from '../../core/domain/trial.js';
import { compareSamples } from './comparisons.js';
import { studyTrialMetrics } from './study-metrics.js';
import { holmAdjust } from './multiple-comparisons.js';
import {
  formatCount,
  formatInterval,
  formatNumber,
  formatPEquals,
  formatPercent,
  formatPoints,
} from './format.js';
import type { ClaimReport, GroupReport, InterpretationReport, MetricComparison } from './report-types.js';
import { Verdict } from './report-types.js';

/** Significance level of the decision rule (applied to Holm-adjusted p-values). */
export const ALPHA = 0.05;
/** "Far fewer parameters": at most this fraction of the baseline's total. */
export const FAR_FEWER_RATIO = 0.5;

export const DECISION_RULE =
  `Each tested claim states a direction for the mean difference a − b (paired on shared seeds: paired t test; ` +
  `otherwise Welch's t). The tested claims form one Holm–Bonferroni family. ` +
  `Supported: Holm-adjusted p < ${ALPHA} and the mean difference lies in the claimed direction. ` +
  `Not supported: Holm-adjusted p < ${ALPHA} in the opposite direction, or the 95 % t CI of the difference ` +
  `excludes the smallest effect of interest in the claimed direction (1 percentage point of accuracy or gap, ` +
  `1 epoch of convergence, 1 % of the baseline's accuracy per parameter). Inconclusive: otherwise. ` +
  `The Wilcoxon signed-rank p is shown as a robustness check but does not decide (with 3–5 seeds its exact p ` +
  `cannot go below 0.25–0.0625). "Far fewer parameters" is a count, not a statistic: supported when the CNN ` +
  `has at most ${FAR_FEWER_RATIO}× the baseline's parameters, not supported when it has as many or more, ` +
  `inconclusive in between.`;

/** Options of {@link interpretStudy}. */
export interface InterpretOptions {
  groups: readonly GroupReport[];
  /** Records by group key, one per seed, sorted by seed. */
  recordsByGroup: ReadonlyMap<string, readonly TrialRecord[]>;
  /** Bootstrap PRNG seed. @default 0 */
  seed?: number;
  /** Fraction of final accuracy that counts as converged. @default 0.95 */
  convergenceFraction?: number;
  /** Bootstrap resamples. @default 10000 */
  resamples?: number;
}

type Direction = 1 | -1;

interface TestedClaim {
  id: string;
  claim: string;
  direction: Direction;
  /** Smallest effect of interest, in the metric's units, in the claimed direction (positive). */
  smallestEffect: number;
  comparison: MetricComparison;
  describe: (c: MetricComparison) => string;
  details: Record<string, unknown>;
}

const sameJson = (x: unknown, y: unknown): boolean => JSON.stringify(x) === JSON.stringify(y);

/** Per-seed values of `value` for two groups, paired on shared seeds when at least two are shared. */
function samples(options: {
  a: GroupReport;
  b: GroupReport;
  recordsByGroup: ReadonlyMap<string, readonly TrialRecord[]>;
  value: (record: TrialRecord) => number;
}): { a: number[]; b: number[]; paired: boolean } {
  const ra = options.recordsByGroup.get(options.a.groupKey) ?? [];
  const rb = options.recordsByGroup.get(options.b.groupKey) ?? [];
  const shared = ra.filter((r) => rb.some((s) => s.seed === r.seed)).map((r) => r.seed);
  if (shared.length >= 2) {
    const pick = (rs: readonly TrialRecord[]): number[] =>
      shared.map((seed) => rs.find((r) => r.seed === seed)).flatMap((r) => (r ? [options.value(r)] : []));
    return { a: pick(ra), b: pick(rb), paired: true };
  }
  return { a: ra.map(options.value), b: rb.map(options.value), paired: false };
}

function verdictOf(claim: TestedClaim, pHolm: number): { verdict: Verdict; reason: string } {
  const diff = claim.comparison.meanDifference;
  const ci = claim.comparison.ci95;
  if (diff === null) return { verdict: Verdict.inconclusive, reason: 'no difference could be computed' };
  const inClaimedDirection = Math.sign(diff) === claim.direction;
  if (pHolm < ALPHA && inClaimedDirection)
    return { verdict: Verdict.supported, reason: `Holm p < ${ALPHA} in the claimed direction` };
  if (pHolm < ALPHA)
    return { verdict: Verdict.notSupported, reason: `Holm p < ${ALPHA} in the opposite direction` };
  // The CI's bound in the claimed direction: if it stays short of the smallest effect of interest, the data rule that effect out.
  const bestCase = ci ? (claim.direction === 1 ? ci[1] : -ci[0]) : Number.NaN;
  if (Number.isFinite(bestCase) && bestCase < claim.smallestEffect) {
    return {
      verdict: Verdict.notSupported,
      reason: 'the 95 % CI excludes the smallest effect of interest in the claimed direction',
    };
  }
  if (!Number.isFinite(pHolm) || !ci)
    return { verdict: Verdict.inconclusive, reason: 'too few seeds (or no variation) for a test and a CI' };
  return {
    verdict: Verdict.inconclusive,
    reason: `Holm p ≥ ${ALPHA} and the CI still allows the claimed effect`,
  };
}

function testStatistic(c: MetricComparison, pHolm: number): string {
  const t = c.tTest;
  const w = c.wilcoxon ? `; Wilcoxon p ${formatPEquals(c.wilcoxon.p)} (${c.wilcoxon.method})` : '';
  return `${t.method} t(${formatNumber(t.df, t.method === 'paired t' ? 0 : 1)}) = ${formatNumber(t.statistic)}, Holm p ${formatPEquals(pHolm)}${w}; Hedges' g = ${formatNumber(c.hedgesG)}`;
}

/**
 * A group's architecture (`fc`, `cnn`) and complete options by their camelCase names, whichever form its
 * records hold (the image classifier's trainable configs, or those from before it was one): the key form.
 */
function architectureOf(g: GroupReport): { model: string; options: GroupReport['modelOptions'] } {
  const { model, modelOptions } = keyFormOf(currentFormOf({ model: g.model, modelOptions: g.modelOptions }));
  return { model, options: modelOptions };
}
const isArchitecture = (name: string) => (g: GroupReport) => architectureOf(g).model === name;
const kernelOf = (g: GroupReport) => Number(architectureOf(g).options['kernelSize']);

/** Picks the study's CNN (3×3 if present) and the FC baseline, preferring equal training settings. */
function pickCnnAndFc(groups: readonly GroupReport[]): { cnn: GroupReport; fc: GroupReport } | undefined {
  const cnns = groups.filter(isArchitecture('cnn'));
  const fcs = groups.filter(isArchitecture('fc'));
  const cnn = cnns.find((g) => kernelOf(g) === 3) ?? cnns[0];
  if (!cnn) return undefined;
  const fc = fcs.find((g) => sameJson(g.train, cnn.train)) ?? fcs[0];
  return fc ? { cnn, fc } : undefined;
}

/** Two CNN groups with 3×3 and 5×5 kernels and nothing else different. */
function pickKernelPair(groups: readonly GroupReport[]): { k3: GroupReport; k5: GroupReport } | undefined {
  const cnns = groups.filter(isArchitecture('cnn'));
  const rest = (g: GroupReport): string =>
    JSON.stringify({ ...architectureOf(g).options, kernelSize: undefined, train: g.train });
  for (const k3 of cnns.filter((g) => kernelOf(g) === 3)) {
    const k5 = cnns.find((g) => kernelOf(g) === 5 && rest(g) === rest(k3));
    if (k5) return { k3, k5 };
  }
  return undefined;
}

type Counted = GroupReport & { modelStats: ModelStats };
const counted = (g: GroupReport): g is Counted => g.modelStats !== undefined;
const NO_COUNTS = 'needs parameter counts (model stats), which these trials do not carry';

const paramsLine = (g: Counted): string =>
  `${g.label}: ${formatCount(g.modelStats.totalParams)} parameters (conv ${formatCount(g.modelStats.convParams)}, dense ${formatCount(g.modelStats.denseParams)})`;

/** States each claim the sweep can address with a verdict and the statistic behind it. */
export function interpretStudy(options: InterpretOptions): InterpretationReport {
  const { groups, recordsByGroup } = options;
  const fraction = options.convergenceFraction;
  const metric = (name: keyof ReturnType<typeof studyTrialMetrics>) => (record: TrialRecord) =>
    studyTrialMetrics({ record, convergenceFraction: fraction })[name];
  const compare = (
    a: GroupReport,
    b: GroupReport,
    value: (r: TrialRecord) => number,
    name: MetricComparison['metric'],
  ): MetricComparison => {
    const s = samples({ a, b, recordsByGroup, value });
    return compareSamples({
      metric: name,
      a: s.a,
      b: s.b,
      paired: s.paired,
      seed: options.seed,
      resamples: options.resamples,
    });
  };

  const tested: TestedClaim[] = [];
  const claims: ClaimReport[] = [];
  const omitted: InterpretationReport['omitted'] = [];
  const pair = pickCnnAndFc(groups);
  const kernels = pickKernelPair(groups);
  const needsPair = 'needs a cnn group and an fc group in the sweep';

  if (pair) {
    const { cnn, fc } = pair;
    const labels = { a: cnn.label, b: fc.label };
    tested.push({
      id: '1',
      claim: `The CNN (${cnn.label}) beats the fully connected baseline (${fc.label}) on test accuracy.`,
      direction: 1,
      smallestEffect: 0.01,
      comparison: compare(cnn, fc, metric('finalTestAccuracy'), 'finalTestAccuracy'),
      describe: (c) =>
        `mean test accuracy ${formatPercent(c.meanA)} vs ${formatPercent(c.meanB)}, difference ${formatPoints(c.meanDifference)} ` +
        `(95 % CI ${formatInterval(c.ci95, (x) => formatPoints(x))}, bootstrap ${formatInterval(c.bootstrapCi95, (x) => formatPoints(x))})`,
      details: labels,
    });
    if (counted(cnn) && counted(fc)) {
      const ratio = cnn.modelStats.totalParams / fc.modelStats.totalParams;
      claims.push({
        id: '2',
        claim: `… with far fewer parameters (at most ${FAR_FEWER_RATIO}× the baseline's).`,
        verdict:
          ratio <= FAR_FEWER_RATIO
            ? Verdict.supported
            : ratio >= 1
              ? Verdict.notSupported
              : Verdict.inconclusive,
        evidence: `${paramsLine(cnn)}; ${paramsLine(fc)}; ratio ${formatNumber(ratio, 3)}×; FLOPs per image ${formatCount(cnn.modelStats.flopsPerImage)} vs ${formatCount(fc.modelStats.flopsPerImage)}`,
        details: { ...labels, ratio, cnn: cnn.modelStats, fc: fc.modelStats },
      });
    } else {
      omitted.push({ id: '2', claim: '… with far fewer parameters.', reason: NO_COUNTS });
    }
    tested.push({
      id: '3',
      claim: `… and converges faster (fewer epochs to reach ${Math.round((fraction ?? 0.95) * 100)} % of its own final test accuracy).`,
      direction: -1,
      smallestEffect: 1,
      comparison: compare(cnn, fc, metric('epochsToConverge'), 'epochsToConverge'),
      describe: (c) =>
        `mean epochs ${formatNumber(c.meanA, 1)} vs ${formatNumber(c.meanB, 1)}, difference ${formatNumber(c.meanDifference, 2)} ` +
        `(95 % CI ${formatInterval(c.ci95, (x) => formatNumber(x, 2))})`,
      details: labels,
    });
  } else {
    for (const [id, claim] of [
      ['1', 'The CNN beats the fully connected baseline on test accuracy.'],
      ['2', '… with far fewer parameters.'],
      ['3', '… and converges faster.'],
    ] as const) {
      omitted.push({ id, claim, reason: needsPair });
    }
  }

  if (kernels) {
    const { k3, k5 } = kernels;
    if (counted(k3) && counted(k5)) {
      const perMillion = (r: TrialRecord): number =>
        ((r.result.final['testAccuracy'] ?? Number.NaN) / (r.result.modelStats?.totalParams ?? Number.NaN)) *
        1e6;
      const comparison = compare(k3, k5, perMillion, 'accuracyPerMillionParams');
      const fewer = k3.modelStats.totalParams < k5.modelStats.totalParams ? k3 : k5;
      tested.push({
        id: '4a',
        claim: `Smaller kernels are more parameter-efficient: ${k3.label} reaches more test accuracy per parameter than ${k5.label}.`,
        direction: 1,
        smallestEffect: 0.01 * Math.abs(comparison.meanB ?? 0),
        comparison,
        describe: (c) =>
          `${paramsLine(k3)}; ${paramsLine(k5)} — ${fewer.label} has fewer parameters` +
          `${fewer === k5 ? ' (valid padding leaves a smaller feature map before the dense layer)' : ''}; ` +
          `accuracy per million parameters ${formatNumber(c.meanA, 3)} vs ${formatNumber(c.meanB, 3)}, difference ${formatNumber(c.meanDifference, 3)} ` +
          `(95 % CI ${formatInterval(c.ci95, (x) => formatNumber(x, 3))})`,
        details: { a: k3.label, b: k5.label, k3: k3.modelStats, k5: k5.modelStats },
      });
    } else {
      omitted.push({ id: '4a', claim: 'Smaller kernels are more parameter-efficient.', reason: NO_COUNTS });
    }
    tested.push({
      id: '4b',
      claim: `Smaller kernels generalise better on 32×32 images: ${k3.label} has a smaller generalisation gap (train − test accuracy) than ${k5.label}.`,
      direction: -1,
      smallestEffect: 0.01,
      comparison: compare(k3, k5, metric('generalisationGap'), 'generalisationGap'),
      describe: (c) =>
        `mean gap ${formatPoints(c.meanA)} vs ${formatPoints(c.meanB)}, difference ${formatPoints(c.meanDifference)} ` +
        `(95 % CI ${formatInterval(c.ci95, (x) => formatPoints(x))})`,
      details: { a: k3.label, b: k5.label },
    });
  } else {
    omitted.push({
      id: '4',
      claim: 'Smaller kernels (3×3 vs 5×5) are more parameter-efficient and generalise better.',
      reason: 'needs two cnn groups that differ only in kernel size (3 and 5)',
    });
  }

  if (pair) {
    const { cnn, fc } = pair;
    const perGroup = groups.map((g) => ({
      label: g.label,
      model: architectureOf(g).model,
      gap: g.metrics['generalisationGap'],
    }));
    tested.push({
      id: '5',
      claim: `Generalisation gap per architecture: the CNN (${cnn.label}) has a smaller gap than the fully connected baseline (${fc.label}).`,
      direction: -1,
      smallestEffect: 0.01,
      comparison: compare(cnn, fc, metric('generalisationGap'), 'generalisationGap'),
      describe: (c) =>
        perGroup
          .map(
            (g) =>
              `${g.label} gap ${formatPoints(g.gap?.mean)} ${formatInterval(g.gap?.ci95, (x) => formatPoints(x))}`,
          )
          .join('; ') +
        `; CNN − FC ${formatPoints(c.meanDifference)} (95 % CI ${formatInterval(c.ci95, (x) => formatPoints(x))})`,
      details: { a: cnn.label, b: fc.label, perGroup },
    });
  } else {
    omitted.push({ id: '5', claim: 'Generalisation gap per architecture (CNN vs FC).', reason: needsPair });
  }

  const adjusted = holmAdjust(tested.map((c) => c.comparison.tTest.p ?? Number.NaN));
  tested.forEach((c, i) => {
    const pHolm = adjusted[i] ?? Number.NaN;
    c.comparison.tTest.pHolm = Number.isFinite(pHolm) ? pHolm : null;
    const { verdict, reason } = verdictOf(c, pHolm);
    claims.push({
      id: c.id,
      claim: c.claim,
      verdict,
      evidence: `${c.describe(c.comparison)}; ${testStatistic(c.comparison, pHolm)} — ${reason}.`,
      details: {
        ...c.details,
        direction: c.direction === 1 ? 'a > b' : 'a < b',
        smallestEffect: c.smallestEffect,
        comparison: c.comparison,
      },
    });
  });
  claims.sort((x, y) => x.id.localeCompare(y.id));
  return { decisionRule: DECISION_RULE, claims, omitted };
}
