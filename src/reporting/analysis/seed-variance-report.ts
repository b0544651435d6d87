/**
 * The report's variance by seed source: for every group whose trials carry a seed design
 * (`config.seedSources`, from a spec's `seed_sources`), how much of the objective's final value's
 * variance each source of randomness contributes. A factorial design gives a random-effects ANOVA
 * (seed-variance.ts) with a CI per source and names the source that dominates; a shared design (sources
 * varied together) gives the group's variance with its chi-square CI, attributed to those sources jointly.
 * Absent from reports of sweeps without `seed_sources`: they render as before.
 */
import {
  SEED_SOURCE_SPEC_NAMES,
  SeedDesign,
  factorialCells,
  type SeedSource,
  type SeedSourcesConfig,
} from '../../core/domain/seed-sources.js';
import type { TrialRecord } from '../../core/domain/trial.js';
import type { TrialMetrics } from './groups.js';
import { crossedAnova, jointVariance } from './seed-variance.js';
import type { GroupSeedVariance, SeedVarianceReport, SourceVarianceRow } from './seed-variance-types.js';

export type { GroupSeedVariance, SeedVarianceReport, SourceVarianceRow } from './seed-variance-types.js';

/** Options of {@link seedVarianceReport}. */
export interface SeedVarianceOptions {
  /** Groups in the report's order: key and label. */
  groups: readonly { groupKey: string; label: string }[];
  recordsByGroup: ReadonlyMap<string, readonly TrialRecord[]>;
  trialMetrics: TrialMetrics;
  /** Key of the objective's final value in `trialMetrics`' results. */
  objectiveKey: string;
  metric: string;
  /** @default 0.95 */
  confidence?: number;
}

const specName = (source: SeedSource): string => SEED_SOURCE_SPEC_NAMES[source];

function groupVariance(
  group: { groupKey: string; label: string },
  design: SeedSourcesConfig,
  values: ReadonlyMap<number, number>,
  confidence: number,
): GroupSeedVariance {
  const base = { groupKey: group.groupKey, label: group.label, design: design.design, n: values.size };
  if (design.design === SeedDesign.shared) {
    const joint = jointVariance([...values.values()], confidence);
    const rows: SourceVarianceRow[] = joint
      ? [
          {
            source: design.vary.map(specName).join(' + '),
            df: joint.n - 1,
            variance: joint.estimate,
            ci: joint.ci,
            share: 1,
          },
        ]
      : [];
    return { ...base, planned: values.size, rows, ...(joint ? {} : { note: 'fewer than two seeds' }) };
  }
  const levels = design.levels?.length ?? 0;
  const planned = factorialCells(design);
  const cells = Array.from({ length: planned }, (_, i) => values.get(i));
  if (cells.some((v) => v === undefined))
    return {
      ...base,
      planned,
      rows: [],
      note: `${planned - values.size} of ${planned} cells of the ${levels}^${design.vary.length} design have no finite value: the ANOVA needs all`,
    };
  const anova = crossedAnova({
    factors: design.vary.map(specName),
    levels,
    values: cells as number[],
    confidence,
  });
  const rows = [...anova.factors, anova.residual].map((c) => ({
    source: c.name,
    df: c.df,
    variance: c.estimate,
    ci: c.ci,
    share: c.share,
  }));
  return { ...base, planned, rows, ...(anova.dominant !== undefined ? { dominant: anova.dominant } : {}) };
}

/** The decomposition of every group with a seed design; undefined when no group has one. */
export function seedVarianceReport(options: SeedVarianceOptions): SeedVarianceReport | undefined {
  const confidence = options.confidence ?? 0.95;
  const groups: GroupSeedVariance[] = [];
  for (const group of options.groups) {
    const records = options.recordsByGroup.get(group.groupKey) ?? [];
    const design = records.find((r) => r.config.seedSources)?.config.seedSources;
    if (!design) continue;
    const values = new Map<number, number>();
    for (const r of records) {
      const v = options.trialMetrics(r)[options.objectiveKey];
      if (v !== undefined && Number.isFinite(v)) values.set(r.seed, v);
    }
    groups.push(groupVariance(group, design, values, confidence));
  }
  return groups.length > 0 ? { metric: options.metric, confidence, groups } : undefined;
}

const fmt = (v: number): string =>
  v === 0 ? '0' : Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? v.toPrecision(3) : v.toExponential(2);

/** The table the Markdown and HTML reports show: one row per group and source. */
export function seedVarianceTable(report: SeedVarianceReport): {
  header: string[];
  rows: string[][];
  numeric: boolean[];
} {
  const pct = Math.round(report.confidence * 100);
  return {
    header: ['group', 'source', 'df', `variance of final ${report.metric}`, `${pct} % CI`, 'sd', 'share'],
    numeric: [false, false, true, true, false, true, true],
    rows: report.groups.flatMap((g) =>
      g.rows.length === 0
        ? [[g.label, g.note ?? '—', '', '', '', '', '']]
        : g.rows.map((r) => [
            g.label,
            r.source === g.dominant ? `${r.source} (dominant)` : r.source,
            String(r.df),
            fmt(r.variance),
            r.ci ? `[${fmt(r.ci[0])}, ${fmt(r.ci[1])}]` : '—',
            fmt(Math.sqrt(r.variance)),
            `${Math.round(r.share * 100)} %`,
          ]),
    ),
  };
}

/** One sentence per group: which source dominates, or why nothing is decomposed. */
export function seedVarianceSummary(report: SeedVarianceReport): string[] {
  return report.groups.map((g) => {
    if (g.rows.length === 0) return `${g.label}: ${g.note ?? 'no decomposition'}.`;
    if (g.design === SeedDesign.shared)
      return `${g.label}: sources ${g.rows[0]!.source} varied together over ${g.n} seeds (a factorial design, seed_sources.design: factorial, separates them).`;
    const interactions =
      'the sources interact: each changes the outcome, but no seed of one is better or worse across the others';
    if (g.dominant === undefined)
      return `${g.label}: no source's own variance is above zero; the residual holds it all (${interactions}, or the trainable is not deterministic).`;
    const top = g.rows.find((r) => r.source === g.dominant)!;
    const residual = g.rows.find((r) => r.source === 'residual');
    if (residual && residual.variance > top.variance)
      return `${g.label}: the residual (${Math.round(residual.share * 100)} %) outweighs every source; of the sources, ${g.dominant} contributes most (${Math.round(top.share * 100)} %): ${interactions}.`;
    return `${g.label}: ${g.dominant} dominates (${Math.round(top.share * 100)} % of the variance, ${Math.round(report.confidence * 100)} % CI [${fmt(top.ci?.[0] ?? Number.NaN)}, ${fmt(top.ci?.[1] ?? Number.NaN)}]).`;
  });
}

/** What the Markdown and HTML reports show: the table, then the summaries and how the CIs were made. */
export function seedVarianceSection(report: SeedVarianceReport): {
  table: ReturnType<typeof seedVarianceTable>;
  lines: string[];
} {
  return {
    table: seedVarianceTable(report),
    lines: [
      ...seedVarianceSummary(report),
      'Random-effects ANOVA of the crossed seed design (method of moments; a negative estimate shows as 0). ' +
        'CI of a source: modified large-sample interval (Ting et al. 1990); of the residual and of sources varied together: chi-square. ' +
        'The residual holds interactions between sources and any non-determinism.',
    ],
  };
}
