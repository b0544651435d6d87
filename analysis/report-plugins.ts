/**
 * Report plug-ins: a study's own columns, charts and claims on top of the generic report, chosen by the
 * spec's `interpretation: <name>`. A plug-in sees the report's data and the records; it adds, it does
 * not change the statistics.
 */
import { UserError } from '../common/errors.js';
import type { TrialRecord } from '../domain/trial.js';
import type { ChartSpec } from './charts.js';
import { convStudyPlugin } from './conv-study.js';
import type { TrialMetrics } from './groups.js';
import type { InterpretOptions } from './interpretation.js';
import type { ReportColumns, TableTarget } from './report-rows.js';
import type { InterpretationReport, SweepReport } from './report-types.js';

export interface ReportPlugin {
  /** The name a spec's `interpretation` gives. */
  readonly name: string;
  /** One line for listings and errors. */
  readonly description: string;
  /** Why the plug-in cannot report on these records (e.g. metrics it needs are missing), or undefined. */
  unsupported(records: readonly TrialRecord[]): string | undefined;
  /**
   * Per-trial metrics summarised per group (besides the objective's final value), the keys of them that
   * are compared between groups (each its own Holm family), and per-epoch metrics with learning curves.
   */
  metrics(options: { convergenceFraction: number }): {
    perTrial: TrialMetrics;
    compared: readonly string[];
    curves: readonly string[];
  };
  /** The group and comparison tables (the same for every target). */
  columns(report: SweepReport, target: TableTarget): ReportColumns;
  /** The study's claims, each with a verdict and the statistic behind it. */
  interpret(context: InterpretOptions): InterpretationReport;
  /** The HTML page's charts. */
  charts(report: SweepReport): ChartSpec[];
}

/** Every report plug-in, by name. */
export const REPORT_PLUGINS: ReadonlyMap<string, ReportPlugin> = new Map([
  [convStudyPlugin.name, convStudyPlugin],
]);

/**
 * The plug-in a spec names.
 * @throws UserError `E_REPORT_PLUGIN` for an unknown name, listing the known ones.
 */
export function reportPlugin(name: string): ReportPlugin {
  const plugin = REPORT_PLUGINS.get(name);
  if (plugin) return plugin;
  const known = [...REPORT_PLUGINS.values()].map((p) => `${p.name} (${p.description})`).join('; ');
  throw new UserError(
    'E_REPORT_PLUGIN',
    `unknown report plug-in "${name}" in the spec's \`interpretation\`; known: ${known}. Leave \`interpretation\` out for the generic report`,
  );
}

/** The plug-in that shaped a built report, if any. */
export function pluginOf(report: SweepReport): ReportPlugin | undefined {
  return report.plugin === null ? undefined : REPORT_PLUGINS.get(report.plugin);
}
