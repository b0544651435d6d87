/**
 * A sweep's finished trials as one flat table, for pandas, R, DuckDB or a spreadsheet: a "long" table
 * with one row per (trial, epoch), or with `final` one row per trial holding its final metrics.
 * Columns: who the trial is (sweep, trial and group keys, label, seed), what it ran (`factor.<name>`,
 * model, `param.<name>` of the model options, `train.<name>`, dataset), where it ran (backend), the
 * model's size where known (`stats.<name>`), the epoch, then one column per metric name seen in any
 * record (a record without that metric leaves it empty). Plain functions over records; no I/O.
 */
import { stringify } from 'csv-stringify/sync';
import { parquetWriteBuffer, type BasicType, type ColumnSource } from 'hyparquet-writer';
import { UserError } from '../../core/common/errors.js';
import type { EpochMetrics, TrialRecord } from '../../core/domain/trial.js';
import { metricNames, sortRecords } from './metrics.js';

/** Output formats of `seedsweep export`. */
export const ExportFormat = { csv: 'csv', parquet: 'parquet', json: 'json' } as const;
export type ExportFormat = (typeof ExportFormat)[keyof typeof ExportFormat];

export function parseExportFormat(value: string): ExportFormat {
  const format = (Object.values(ExportFormat) as string[]).find((f) => f === value.toLowerCase());
  if (!format)
    throw new UserError(
      'E_BAD_ARGUMENT',
      `unknown export format '${value}'; use one of: ${Object.values(ExportFormat).join(', ')}.`,
    );
  return format as ExportFormat;
}

/** One cell: null is "no value" (the record has no such factor, param or metric). */
export type Cell = string | number | boolean | null;

/** A column's type, inferred from its values (metrics are always `double`). */
export const ColumnType = {
  string: 'string',
  integer: 'integer',
  double: 'double',
  boolean: 'boolean',
} as const;
export type ColumnType = (typeof ColumnType)[keyof typeof ColumnType];

export interface ExportColumn {
  name: string;
  type: ColumnType;
  /** True for the metric columns (after `epoch`). */
  metric: boolean;
}

export interface ExportTable {
  columns: ExportColumn[];
  /** Rows aligned with `columns`. */
  rows: Cell[][];
}

type Getter = (record: TrialRecord, metrics: EpochMetrics) => Cell;

/** Column names in first-seen order of the keys of `pick(record)` over the records. */
function keysOf(
  records: readonly TrialRecord[],
  pick: (record: TrialRecord) => object | undefined,
): string[] {
  const seen = new Set<string>();
  for (const record of records) for (const key of Object.keys(pick(record) ?? {})) seen.add(key);
  return [...seen];
}

const scalar = (value: unknown): Cell =>
  value === undefined || value === null
    ? null
    : typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean'
      ? value
      : JSON.stringify(value);

/** Dataset fields that say what the data is (not where it is: `path`, `module`, `export` are locations). */
const DATASET_FIELDS = ['trainSize', 'testSize', 'sliceSeed', 'options'] as const;

/**
 * The table of `records`. `sweepId` fills the `sweep_id` column (the sweep exported); `trial_sweep_id`
 * is the sweep each trial actually ran in, which differs when the exported sweep reused a result
 * finished earlier under the same sweep name.
 */
export function buildExportTable(options: {
  records: readonly TrialRecord[];
  /** The sweep being exported. @default each record's own sweepId */
  sweepId?: string;
  /** One row per trial with its final metrics instead of one row per epoch. @default false */
  final?: boolean;
}): ExportTable {
  const records = sortRecords(options.records);
  const getters: { name: string; metric: boolean; get: Getter }[] = [];
  const add = (name: string, get: Getter, metric = false): void => {
    getters.push({ name, metric, get });
  };
  add('sweep_id', (r) => options.sweepId ?? r.sweepId ?? null);
  add('trial_sweep_id', (r) => r.sweepId ?? null);
  add('run_id', (r) => r.runId ?? null);
  add('trial_key', (r) => r.trialKey);
  add('group_key', (r) => r.groupKey);
  add('group_label', (r) => r.groupLabel);
  add('seed', (r) => r.seed);
  for (const name of keysOf(records, (r) => r.factors)) add(`factor.${name}`, (r) => scalar(r.factors[name]));
  add('model', (r) => r.config.model);
  for (const name of keysOf(records, (r) => r.config.modelOptions))
    add(`param.${name}`, (r) => scalar(r.config.modelOptions[name]));
  for (const name of keysOf(records, (r) => r.config.train))
    add(`train.${name}`, (r) => scalar((r.config.train as unknown as Record<string, unknown>)[name]));
  add('dataset', (r) => r.config.dataset.name);
  for (const field of DATASET_FIELDS) {
    if (records.some((r) => r.config.dataset[field] !== undefined))
      add(`dataset.${field}`, (r) => scalar(r.config.dataset[field]));
  }
  add('backend', (r) => r.result.backend.name);
  add('backend_version', (r) => r.result.backend.version);
  for (const name of keysOf(records, (r) => r.result.modelStats)) {
    add(`stats.${name}`, (r) =>
      scalar((r.result.modelStats as unknown as Record<string, unknown> | undefined)?.[name]),
    );
  }
  add('epoch', (_r, m) => m.epoch);
  const taken = new Set(getters.map((g) => g.name));
  for (const name of metricNames(records)) {
    // A metric named like a fixed column (`seed`, `epoch`…) is prefixed so that no column is lost.
    add(
      taken.has(name) ? `metric.${name}` : name,
      (_r, m) => (typeof m[name] === 'number' ? m[name] : null),
      true,
    );
  }

  const rows: Cell[][] = [];
  for (const record of records) {
    const epochs = options.final
      ? [record.result.final]
      : [...record.result.epochs].sort((x, y) => x.epoch - y.epoch);
    for (const metrics of epochs) rows.push(getters.map((g) => g.get(record, metrics)));
  }
  const columns = getters.map((g, i) => ({
    name: g.name,
    metric: g.metric,
    type: g.metric ? ColumnType.double : inferType(rows.map((row) => row[i] ?? null)),
  }));
  return { columns, rows: rows.map((row) => row.map((cell, i) => coerce(cell, columns[i]!.type))) };
}

function inferType(values: readonly Cell[]): ColumnType {
  const present = values.filter((v) => v !== null);
  if (present.length === 0) return ColumnType.string;
  if (present.every((v) => typeof v === 'boolean')) return ColumnType.boolean;
  if (present.every((v) => typeof v === 'number')) {
    return present.every((v) => Number.isSafeInteger(v)) ? ColumnType.integer : ColumnType.double;
  }
  return ColumnType.string;
}

/** A cell as its column's type: a column mixing text with numbers or booleans holds them as text. */
function coerce(cell: Cell, type: ColumnType): Cell {
  if (cell === null) return null;
  return type === ColumnType.string ? cellText(cell) : cell;
}

/** Text of a cell in CSV: numbers in JavaScript's shortest round-trip form (`NaN` for NaN), empty for null. */
function cellText(cell: Cell): string {
  return cell === null ? '' : String(cell);
}

/**
 * CSV with a header line, RFC 4180 quoting (fields holding a comma, a double quote, CR or LF are quoted,
 * quotes doubled) and LF line ends. A missing value is an empty field.
 */
export function toCsv(table: ExportTable): string {
  return stringify(
    table.rows.map((row) => row.map(cellText)),
    { header: true, columns: table.columns.map((c) => c.name), quoted_match: /\r/ },
  );
}

/** The JSON document of `seedsweep export --format json`: rows as objects; NaN and ±Infinity become null. */
export interface ExportJson {
  sweepId: string | null;
  /** One row per trial (final metrics) rather than per epoch. */
  final: boolean;
  columns: { name: string; type: ColumnType; metric: boolean }[];
  rows: Record<string, Cell>[];
}

export function toJsonDocument(
  table: ExportTable,
  options: { sweepId?: string; final?: boolean } = {},
): ExportJson {
  return {
    sweepId: options.sweepId ?? null,
    final: options.final ?? false,
    columns: table.columns.map((c) => ({ name: c.name, type: c.type, metric: c.metric })),
    rows: table.rows.map((row) =>
      Object.fromEntries(
        table.columns.map((c, i) => {
          const cell = row[i] ?? null;
          return [c.name, typeof cell === 'number' && !Number.isFinite(cell) ? null : cell];
        }),
      ),
    ),
  };
}

const PARQUET_TYPE: Record<ColumnType, BasicType> = {
  string: 'STRING',
  integer: 'INT64',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
};

/**
 * A Parquet file (snappy-compressed, every column optional): text as UTF-8 strings, integers as INT64,
 * numbers and every metric as DOUBLE (NaN kept as NaN), booleans as BOOLEAN; missing values are nulls.
 * `metadata` goes into the file's key-value metadata.
 */
export function toParquet(
  table: ExportTable,
  options: { metadata?: Record<string, string> } = {},
): Uint8Array {
  const columnData: ColumnSource[] = table.columns.map((c, i) => ({
    name: c.name,
    type: PARQUET_TYPE[c.type],
    nullable: true,
    // INT64 values go to the writer as bigints.
    data: table.rows.map((row) => {
      const cell = row[i] ?? null;
      return c.type === ColumnType.integer && typeof cell === 'number' ? BigInt(cell) : cell;
    }),
  }));
  const buffer = parquetWriteBuffer({
    columnData,
    createdBy: 'seedsweep',
    kvMetadata: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
  });
  return new Uint8Array(buffer);
}
