/**
 * `seedsweep export <sweep>`: a sweep's finished trials as a flat table (CSV, Parquet or JSON) for
 * pandas, R, DuckDB or a spreadsheet. The table itself is src/reporting/results/export.ts.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { isSafeName, MAX_NAME_LENGTH, resolveInside, userPath } from '../../../core/common/safe-names.js';
import { info } from '../output.js';
import { readPackageVersion } from '../version.js';
import type { SweepLookup } from '../../../temporal/client/sweep-records.js';
import { sweepArgument } from '../sweep-argument.js';

export interface ExportFlags {
  format: string;
  out?: string;
  final?: boolean;
}

/** Default Parquet file name in the working folder: the sweep id (or name) made file-safe. */
export function defaultParquetName(ref: string, final: boolean): string {
  const cleaned = ref
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, MAX_NAME_LENGTH - '-final.parquet'.length);
  // One safe name (no `..`, no device name, short): else the generic one.
  const base = isSafeName(cleaned) ? cleaned : 'sweep';
  return `${base}${final ? '-final' : ''}.parquet`;
}

/**
 * Exports the sweep `ref`: CSV and JSON go to stdout unless `--out` names a file; Parquet always goes to
 * a file (`--out`, else `<sweep>.parquet` in `cwd`), whose path is printed. Returns the file written.
 */
export async function runExport(options: {
  ref: string;
  flags: ExportFlags;
  lookup: SweepLookup;
  /** @default process.cwd() */
  cwd?: string;
  /** @default writes to process.stdout */
  stdout?: (text: string) => void;
}): Promise<{ file?: string; rows: number; columns: number }> {
  const { buildExportTable, ExportFormat, parseExportFormat, toCsv, toJsonDocument, toParquet } =
    await import('../../../reporting/results/export.js');
  const { loadSweep, requireRecords } = await import('../../../temporal/client/sweep-records.js');
  const { ref, flags } = options;
  const stdout = options.stdout ?? ((text: string) => void process.stdout.write(text));
  const format = parseExportFormat(flags.format);
  const final = flags.final ?? false;
  const sweep = await loadSweep(options.lookup, ref);
  const records = requireRecords(sweep, 'E_EXPORT_NO_TRIALS');
  const table = buildExportTable({ records, sweepId: sweep.sweepId, final });
  const stats = { rows: table.rows.length, columns: table.columns.length };

  let data: string | Uint8Array;
  if (format === ExportFormat.parquet) {
    data = toParquet(table, {
      metadata: {
        'seedsweep.sweep': sweep.sweepId ?? sweep.ref,
        'seedsweep.sweep_name': sweep.sweepName,
        'seedsweep.table': final ? 'final' : 'epochs',
        'seedsweep.version': readPackageVersion(),
      },
    });
  } else if (format === ExportFormat.csv) {
    data = toCsv(table);
  } else {
    data = `${JSON.stringify(toJsonDocument(table, { sweepId: sweep.sweepId ?? sweep.ref, final }), null, 2)}\n`;
  }

  const target = flags.out ?? (format === ExportFormat.parquet ? defaultParquetName(ref, final) : undefined);
  if (target === undefined) {
    stdout(typeof data === 'string' ? data : Buffer.from(data).toString());
    return stats;
  }
  const cwd = options.cwd ?? process.cwd();
  // --out is the user's choice of place; the default name, made from the sweep, stays in the working folder.
  const file = flags.out !== undefined ? userPath(flags.out, '--out', cwd) : resolveInside(cwd, target);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, data);
  info(
    `exported ${stats.rows} rows × ${stats.columns} columns (${format}${final ? ', final metrics' : ', one row per epoch'}): ${file}`,
  );
  stdout(`${file}\n`);
  return { ...stats, file };
}

export function register(program: Command): void {
  program
    .command('export')
    .description(
      "A sweep's finished trials as one flat table: one row per (trial, epoch), or per trial with --final. Columns: " +
        'sweep_id, trial_sweep_id, run_id, trial_key, group_key, group_label, seed, factor.<name>, model, param.<name>, ' +
        'train.<name>, dataset(.<field>), backend, backend_version, stats.<name>, epoch, then one column per metric ' +
        'reported by any trial (empty where a trial lacks it).',
    )
    .addArgument(sweepArgument('<sweep>', "a sweep id (see 'seedsweep list') or a sweep name"))
    .option('--format <format>', 'csv | parquet | json', 'csv')
    .option(
      '--out <file>',
      'write to this file and print its path; csv and json print to stdout without it, parquet is always a file (default <sweep>.parquet, or <sweep>-final.parquet, in the current folder)',
    )
    .option('--final', 'one row per trial with its final metrics instead of one row per epoch')
    .addHelpText(
      'after',
      [
        '',
        'Formats:',
        '  csv      header line, RFC 4180 quoting, LF line ends; an empty field is a missing value, NaN is NaN',
        '  json     one document { sweepId, final, columns, rows }, rows as objects; NaN and missing are null',
        '  parquet  snappy-compressed; text UTF-8, integers INT64, metrics DOUBLE (NaN kept), missing values null',
      ].join('\n'),
    )
    .action(async (ref: string, flags: ExportFlags) => {
      const { parseExportFormat } = await import('../../../reporting/results/export.js');
      const { withSweepLookup } = await import('../../../temporal/client/sweep-records.js');
      // A bad format or --out fails before any server is contacted.
      parseExportFormat(flags.format);
      if (flags.out !== undefined) userPath(flags.out, '--out');
      await withSweepLookup((lookup) => runExport({ ref, flags, lookup }));
    });
}
