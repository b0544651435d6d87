/** `seedsweep models`: the architecture registry with each model's parameter counts and FLOPs. */
import type { Command } from 'commander';
import { getArchitecture, architectureNames, canonicalModelOptions } from '../../engine/architectures.js';
import { computeModelStats } from '../../engine/model-stats.js';
import type { ModelStats } from '../../engine/types.js';
import { printJson } from '../output.js';

/** One row of the listing: an architecture at given options (the registry defaults, or a study variant). */
export interface ModelListing {
  model: string;
  description: string;
  /** Complete options (camelCase keys). */
  modelOptions: Record<string, number | string>;
  /** Options and their defaults as spec/CLI names, e.g. `{ kernel_size: 3 }`. */
  defaults: Record<string, number | string>;
  stats: ModelStats;
}

/** Variants shown besides the defaults: the study's controlled 5×5 experiment. */
const STUDY_VARIANTS: { model: string; modelOptions: Record<string, number | string> }[] = [
  { model: 'cnn', modelOptions: { kernelSize: 5 } },
];

/** Every architecture at its defaults, then the study variants. */
export function listModels(): ModelListing[] {
  const rows = [...architectureNames().map((model) => ({ model, modelOptions: {} })), ...STUDY_VARIANTS];
  return rows.map(({ model, modelOptions }) => {
    const arch = getArchitecture(model);
    const complete = canonicalModelOptions(model, modelOptions);
    return {
      model,
      description: arch.description,
      modelOptions: complete,
      defaults: Object.fromEntries(Object.values(arch.options).map((o) => [o.specName, o.default])),
      stats: computeModelStats({ model, modelOptions: complete }),
    };
  });
}

function formatTable(rows: ModelListing[]): string {
  const header = ['model', 'options', 'params', 'conv', 'dense', 'MFLOP/img'];
  const body = rows.map((r) => [
    r.model,
    Object.entries(r.modelOptions)
      .map(([k, v]) => `${getArchitecture(r.model).options[k]?.specName ?? k}=${v}`)
      .join(' '),
    r.stats.totalParams.toLocaleString('en-US'),
    r.stats.convParams.toLocaleString('en-US'),
    r.stats.denseParams.toLocaleString('en-US'),
    (r.stats.flopsPerImage / 1e6).toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i >= 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

export function register(program: Command): void {
  program
    .command('models')
    .description(
      'List the model architectures with their options, parameter counts (total, conv, dense) and forward FLOPs per image.',
    )
    .option('--json', 'print one JSON document')
    .action((options: { json?: boolean }) => {
      const rows = listModels();
      if (options.json) printJson(rows);
      else
        process.stdout.write(
          `${formatTable(rows)}\n\nFLOPs: forward pass, 2 per multiply-add of conv and dense layers. Options: see 'seedsweep train --help'.\n`,
        );
    });
}
