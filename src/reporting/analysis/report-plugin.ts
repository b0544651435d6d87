/**
 * Report plug-ins: a study's own columns, charts and claims on top of the generic report, chosen by the
 * spec's `interpretation: <name>` (report-plugins.ts lists them). A plug-in sees the report's data and
 * the records; it adds, it does not change the statistics.
 */
import type { TrialRecord } from '../../core/domain/trial.js';
import type { ChartSpec } from './charts.js';
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
