/** The export table: columns discovered from the records, CSV quoting, JSON, and Parquet read back with hyparquet. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import {
  buildExportTable,
  parseExportFormat,
  toCsv,
  toJsonDocument,
  toParquet,
  type ExportTable,
} from '../../../../src/reporting/results/export.js';
import { cnnRecord, record } from './fixtures.js';

const col = (table: ExportTable, name: string): unknown[] => {
  const i = table.columns.findIndex((c) => c.name === name);
  if (i < 0) throw new Error(`no column ${name}`);
  return table.rows.map((row) => row[i]);
};

describe('buildExportTable', () => {
  const records = [
    cnnRecord({ kernelSize: 5, seed: 1, sweepId: 'old' }),
    cnnRecord({ kernelSize: 3, seed: 1, sweepId: 's', runId: 'r1' }),
    cnnRecord({ kernelSize: 3, seed: 0, sweepId: 's' }),
  ];

  it('has one row per trial and epoch, sorted by group label, seed and epoch, with the study columns', () => {
    const table = buildExportTable({ records, sweepId: 's' });
    expect(table.columns.map((c) => c.name)).toEqual([
      'sweep_id',
      'trial_sweep_id',
      'run_id',
      'trial_key',
      'group_key',
      'group_label',
      'seed',
      'factor.kernel_size',
      'model',
      'param.kernelSize',
      'param.filters1',
      'param.padding',
      'train.epochs',
      'dataset',
      'dataset.trainSize',
      'dataset.testSize',
      'backend',
      'backend_version',
      'stats.totalParams',
      'stats.convParams',
      'stats.denseParams',
      'stats.flopsPerImage',
      'epoch',
      'trainLoss',
      'trainAccuracy',
      'testLoss',
      'testAccuracy',
      'epochSeconds',
      'imagesPerSecond',
    ]);
    expect(table.rows).toHaveLength(9);
    expect(col(table, 'trial_key')).toEqual([
      't-k3-s0',
      't-k3-s0',
      't-k3-s0',
      't-k3-s1',
      't-k3-s1',
      't-k3-s1',
      't-k5-s1',
      't-k5-s1',
      't-k5-s1',
    ]);
    expect(col(table, 'epoch')).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3]);
    expect(new Set(col(table, 'sweep_id'))).toEqual(new Set(['s']));
    expect(col(table, 'trial_sweep_id').slice(6)).toEqual(['old', 'old', 'old']);
    expect(col(table, 'run_id').slice(0, 4)).toEqual([null, null, null, 'r1']);
    expect(col(table, 'testAccuracy')[4]).toBe(records[1]!.result.epochs[1]!['testAccuracy']);
    const types = Object.fromEntries(table.columns.map((c) => [c.name, c.type]));
    expect(types).toMatchObject({
      seed: 'integer',
      'factor.kernel_size': 'integer',
      'param.padding': 'string',
      epoch: 'integer',
      testAccuracy: 'double',
      imagesPerSecond: 'double',
    });
  });

  it('with final, has one row per trial holding the final metrics', () => {
    const table = buildExportTable({ records, final: true });
    expect(table.rows).toHaveLength(3);
    expect(col(table, 'epoch')).toEqual([3, 3, 3]);
    expect(col(table, 'sweep_id')).toEqual(['s', 's', 'old']);
    expect(col(table, 'testLoss')).toEqual(
      [records[2], records[1], records[0]].map((r) => r!.result.final['testLoss']),
    );
  });

  it('discovers any trainable metric names; a record without a metric or factor leaves it empty', () => {
    const table = buildExportTable({
      records: [
        record({
          trialKey: 'a',
          factors: { lr: 0.1, opt: 'sgd' },
          modelOptions: { lr: 0.1, nesterov: true },
          epochs: [
            { epoch: 1, value: 3 },
            { epoch: 2, value: Number.NaN },
          ],
        }),
        record({
          trialKey: 'b',
          seed: 1,
          factors: { lr: 1 },
          modelOptions: { lr: 1, nesterov: false },
          epochs: [{ epoch: 1, loss: 0.5, accuracy: 0.9 }],
        }),
      ],
    });
    const names = table.columns.map((c) => c.name);
    expect(names.slice(names.indexOf('epoch'))).toEqual(['epoch', 'value', 'loss', 'accuracy']);
    expect(names).not.toContain('stats.totalParams');
    expect(col(table, 'value')).toEqual([3, Number.NaN, null]);
    expect(col(table, 'loss')).toEqual([null, null, 0.5]);
    expect(col(table, 'factor.opt')).toEqual(['sgd', 'sgd', null]);
    const types = Object.fromEntries(table.columns.map((c) => [c.name, c.type]));
    expect(types).toMatchObject({
      'factor.lr': 'double',
      'param.nesterov': 'boolean',
      'factor.opt': 'string',
    });
  });

  it('prefixes a metric whose name is a fixed column, and turns columns mixing numbers and text into text', () => {
    const table = buildExportTable({
      records: [
        record({ trialKey: 'a', factors: { width: 8 }, epochs: [{ epoch: 1, seed: 4 }] }),
        record({ trialKey: 'b', seed: 1, factors: { width: 'wide' } }),
      ],
    });
    expect(table.columns.map((c) => c.name)).toContain('metric.seed');
    expect(col(table, 'factor.width')).toEqual(['8', 'wide']);
    expect(table.columns.find((c) => c.name === 'factor.width')?.type).toBe('string');
  });

  it('rejects an unknown format with a user error', () => {
    expect(parseExportFormat('Parquet')).toBe('parquet');
    expect(() => parseExportFormat('xlsx')).toThrow(
      /unknown export format 'xlsx'; use one of: csv, parquet, json/,
    );
  });
});

describe('toCsv', () => {
  it('quotes commas, quotes, CR and LF as RFC 4180 says, writes NaN as NaN and a missing value as an empty field', () => {
    const table: ExportTable = {
      columns: [
        { name: 'label', type: 'string', metric: false },
        { name: 'x', type: 'double', metric: true },
        { name: 'ok', type: 'boolean', metric: false },
      ],
      rows: [
        ['a,b', 1.5, true],
        ['say "hi"', Number.NaN, false],
        ['two\nlines', null, null],
        ['cr\rhere', 1e-7, true],
        ['plain', 0.1 + 0.2, false],
      ],
    };
    const csv = toCsv(table);
    expect(csv).toBe(
      'label,x,ok\n"a,b",1.5,true\n"say ""hi""",NaN,false\n"two\nlines",,\n"cr\rhere",1e-7,true\nplain,0.30000000000000004,false\n',
    );
    const back = parse(csv, { columns: true }) as Record<string, string>[];
    expect(back.map((r) => r['label'])).toEqual(['a,b', 'say "hi"', 'two\nlines', 'cr\rhere', 'plain']);
    expect(Number(back[4]!['x'])).toBe(0.1 + 0.2);
  });

  it('writes a header and a row per trial and epoch for real records', () => {
    const csv = toCsv(buildExportTable({ records: [cnnRecord({ kernelSize: 3, seed: 0 })] }));
    const lines = csv.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^sweep_id,trial_sweep_id,run_id,trial_key,/);
    expect(lines[1]).toMatch(
      /^,,,t-k3-s0,g-k3,kernel_size=3,0,3,cnn,3,32,valid,3,synthetic,200,100,wasm,4\.22\.0,1000,600,400,5000,1,/,
    );
  });
});

describe('toJsonDocument', () => {
  it('has the columns and rows as objects, NaN as null', () => {
    const table = buildExportTable({
      records: [
        record({
          trialKey: 'a',
          epochs: [
            { epoch: 1, value: Number.NaN },
            { epoch: 2, value: 2 },
          ],
        }),
      ],
      sweepId: 's',
    });
    const doc = JSON.parse(JSON.stringify(toJsonDocument(table, { sweepId: 's' }))) as ReturnType<
      typeof toJsonDocument
    >;
    expect(doc.sweepId).toBe('s');
    expect(doc.final).toBe(false);
    expect(doc.columns.map((c) => c.name)).toContain('value');
    expect(doc.rows.map((r) => [r['epoch'], r['value'], r['trial_key']])).toEqual([
      [1, null, 'a'],
      [2, 2, 'a'],
    ]);
  });
});

describe('toParquet', () => {
  it('writes a file hyparquet reads back with the same rows, columns, types and values', async () => {
    const records = [
      cnnRecord({ kernelSize: 3, seed: 0, sweepId: 's', runId: 'run-0' }),
      cnnRecord({ kernelSize: 5, seed: 0, sweepId: 's' }),
      record({
        trialKey: 'u',
        groupLabel: 'user',
        seed: 2 ** 40,
        factors: { opt: 'sgd' },
        epochs: [{ epoch: 1, value: Number.NaN, trainLoss: 0.25 }],
      }),
    ];
    const table = buildExportTable({ records, sweepId: 's' });
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'seedsweep-export-')), 'out.parquet');
    writeFileSync(file, toParquet(table, { metadata: { 'seedsweep.sweep': 's' } }));

    const buffer = await asyncBufferFromFile(file);
    const metadata = await parquetMetadataAsync(buffer);
    expect(Number(metadata.num_rows)).toBe(table.rows.length);
    expect(metadata.key_value_metadata?.find((kv) => kv.key === 'seedsweep.sweep')?.value).toBe('s');
    expect(metadata.created_by).toBe('seedsweep');
    const schema = parquetSchema(metadata);
    expect(schema.children.map((c) => c.element.name)).toEqual(table.columns.map((c) => c.name));
    const typeOf = (name: string) => schema.children.find((c) => c.element.name === name)?.element.type;
    expect([typeOf('seed'), typeOf('testAccuracy'), typeOf('group_label'), typeOf('value')]).toEqual([
      'INT64',
      'DOUBLE',
      'BYTE_ARRAY',
      'DOUBLE',
    ]);

    const rows = (await parquetReadObjects({ file: buffer })) as Record<string, unknown>[];
    expect(rows).toHaveLength(7);
    table.rows.forEach((expected, i) => {
      table.columns.forEach((c, j) => {
        const got = rows[i]![c.name];
        const want = expected[j];
        if (c.type === 'integer' && want !== null) expect(got).toBe(BigInt(want as number));
        else if (want === null) expect(got ?? null).toBeNull();
        else expect(got).toEqual(want);
      });
    });
    const user = rows.find((r) => r['trial_key'] === 'u')!;
    expect(user['seed']).toBe(2n ** 40n);
    expect(user['value']).toBeNaN();
    expect(user['testAccuracy']).toBeNull();
    expect(user['factor.kernel_size']).toBeNull();
    expect(rows[0]!['run_id']).toBe('run-0');
  });

  it('writes the final table too', async () => {
    const table = buildExportTable({
      records: [cnnRecord({ kernelSize: 3, seed: 0 }), cnnRecord({ kernelSize: 3, seed: 1 })],
      final: true,
    });
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'seedsweep-export-')), 'final.parquet');
    writeFileSync(file, toParquet(table));
    const rows = (await parquetReadObjects({ file: await asyncBufferFromFile(file) })) as Record<
      string,
      unknown
    >[];
    expect(rows.map((r) => [r['seed'], r['epoch']])).toEqual([
      [0n, 3n],
      [1n, 3n],
    ]);
  });
});
