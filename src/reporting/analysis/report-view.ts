/** What each renderer shows of a report: the plug-in's tables and charts when it has one, the generic ones otherwise. */
import { genericCharts, type ChartSpec } from './charts.js';
import { pluginOf } from './report-plugins.js';
import { genericColumns, type ReportColumns, type TableTarget } from './report-rows.js';
import type { SweepReport } from './report-types.js';

export function reportColumns(report: SweepReport, target: TableTarget): ReportColumns {
  return pluginOf(report)?.columns(report, target) ?? genericColumns(report, target);
}

export function reportCharts(report: SweepReport): ChartSpec[] {
  return pluginOf(report)?.charts(report) ?? genericCharts(report);
}
