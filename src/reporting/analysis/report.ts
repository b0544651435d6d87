/**
 * The sweep report: build it from finished trials, render it (terminal table, Markdown, JSON, HTML with
 * SVG charts) and write it to files. This module is the analysis package's public entry point.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../../core/common/errors.js';
import { writeChartImages } from './chart-images.js';
import { renderHtml } from './render-html.js';
import { renderMarkdown } from './render-markdown.js';
import { renderTable } from './render-table.js';
import type { SweepReport } from './report-types.js';

export { bestTrial, buildReport, type BuildReportOptions, type MissingTrial } from './build-report.js';
export { finalMetricKey } from './metrics.js';
export { leaderboardInputOf, type LeaderboardInput } from './leaderboard.js';
export { REPORT_PLUGINS, reportPlugin } from './report-plugins.js';
export type { ReportPlugin } from './report-plugin.js';
export { renderHtml } from './render-html.js';
export { renderMarkdown } from './render-markdown.js';
export { renderTable } from './render-table.js';
export type * from './report-types.js';
export { curveStat, REPORT_FORMAT } from './report-types.js';

/** Formats a report can be written in. */
export const ReportFormat = { table: 'table', md: 'md', json: 'json', html: 'html' } as const;
export type ReportFormat = (typeof ReportFormat)[keyof typeof ReportFormat];

/** File name of each format inside the output folder. */
export const REPORT_FILE_NAMES: Record<ReportFormat, string> = {
  table: 'report.txt',
  md: 'report.md',
  json: 'report.json',
  html: 'report.html',
};

/** Checks a format name given by a user (CLI flag, config) and returns it typed. */
export function parseReportFormat(value: string): ReportFormat {
  if (value in ReportFormat) return value as ReportFormat;
  throw new UserError(
    'E_REPORT_FORMAT',
    `unknown report format "${value}"; use one of: ${Object.values(ReportFormat).join(', ')}`,
  );
}

/** Renders the report in one format. */
export async function renderReport(options: { report: SweepReport; format: ReportFormat }): Promise<string> {
  switch (options.format) {
    case ReportFormat.table:
      return renderTable(options.report);
    case ReportFormat.md:
      return renderMarkdown(options.report);
    case ReportFormat.json:
      return `${JSON.stringify(options.report, null, 2)}\n`;
    case ReportFormat.html:
      return renderHtml(options.report);
  }
}

/** Options of {@link writeReport}. */
export interface WriteReportOptions {
  report: SweepReport;
  /** Formats to write, one file each (see {@link REPORT_FILE_NAMES}). */
  formats: ReportFormat[];
  /**
   * With `html`, also each chart as `charts/<id>.png` (~0.1 s of CPU a chart): `seedsweep report --format
   * html` asks for them; a sweep's own report at its end does not (it is written for every sweep).
   * @default false
   */
  chartImages?: boolean;
  /** Folder to write into; created if missing. Existing report files are overwritten. */
  outDir: string;
}

/** Writes the report in each format to `outDir`; returns the written paths. */
export async function writeReport(
  options: WriteReportOptions,
): Promise<{ format: ReportFormat; path: string }[]> {
  await mkdir(options.outDir, { recursive: true });
  const written: { format: ReportFormat; path: string }[] = [];
  for (const format of [...new Set(options.formats)]) {
    const path = join(options.outDir, REPORT_FILE_NAMES[format]);
    await writeFile(path, await renderReport({ report: options.report, format }), 'utf8');
    written.push({ format, path });
  }
  // Beside report.html, each of its charts as `charts/<id>.png` (not in the returned list: report files only).
  if (options.chartImages && options.formats.includes(ReportFormat.html))
    await writeChartImages({ report: options.report, outDir: options.outDir });
  return written;
}
