/**
 * `seedsweep models`: a trainable's parameters (the built-in image classifier's unless `--trainable`
 * names another), read from its schema: per variant (the classifier's `model=fc`, `model=cnn`) each
 * parameter's default, allowed values and meaning. For a model trainable (`defineModelTrainable`)
 * each variant's model is built at its defaults (or at the `--param` values given) and its parameter
 * counts and forward FLOPs are shown.
 */
import type { Command } from 'commander';
import type { ModelStats, ParamValue } from '../../../core/domain/trial.js';
import type { Trainable } from '../../../core/domain/trainable.js';
import type { ParamInfo, ParamVariant } from '../../../sweep-spec/param-schema.js';
import { printJson } from '../output.js';

/** One variant of the listing: its parameters, and the stats of the model it builds (model trainables). */
export interface ModelListing {
  trainable: string;
  /** Discriminating values of the variant, e.g. `{ model: 'cnn' }`; empty for a single shape. */
  when: Record<string, ParamValue>;
  description?: string;
  parameters: { name: string; default?: unknown; allowed: string; description?: string }[];
  /** The parameters the stats were computed at (defaults, with the `--param` values given). */
  params?: Record<string, unknown>;
  stats?: ModelStats;
}

/** The variants a `--param` selection applies to: those whose discriminators it does not contradict. */
function selected(variants: ParamVariant[], params: Record<string, ParamValue>): ParamVariant[] {
  const fits = variants.filter((v) =>
    Object.entries(v.when).every(
      ([k, value]) => params[k] === undefined || String(params[k]) === String(value),
    ),
  );
  const names = Object.keys(params);
  const taking = fits.filter((v) => names.every((n) => v.params.some((p) => p.name === n) || !v.closed));
  return taking.length > 0 ? taking : fits;
}

/** The training code {@link statsOf} builds models with, loaded when the command runs (it loads TF.js). */
async function loadModelTools() {
  const [{ buildSeededModel }, { isModelTrainable }, { modelStatsOf }, { parseTrainableParams }] =
    await Promise.all([
      import('../../../training/fit/build.js'),
      import('../../../training/fit/define.js'),
      import('../../../training/model-stats.js'),
      import('../../../training/runner/run-trainable.js'),
    ]);
  return { buildSeededModel, isModelTrainable, modelStatsOf, parseTrainableParams };
}

/** The model of a variant at its parameters: counts and FLOPs (model trainables only). */
function statsOf(
  tools: Awaited<ReturnType<typeof loadModelTools>>,
  trainable: Trainable<unknown, unknown>,
  params: Record<string, unknown>,
): { params: Record<string, unknown>; stats: ModelStats } | undefined {
  const { buildSeededModel, isModelTrainable, modelStatsOf, parseTrainableParams } = tools;
  if (!isModelTrainable(trainable)) return undefined;
  const parsed = parseTrainableParams(trainable, params);
  const info = { seed: 0, train: { epochs: 1, ...trainable.trainDefaults } };
  const model = buildSeededModel(trainable.definition, parsed, info);
  try {
    return { params: parsed as Record<string, unknown>, stats: modelStatsOf(model) };
  } finally {
    model.dispose();
  }
}

/** Every variant of the trainable's parameters (those `params` select), with model stats where it builds one. */
export async function listModels(
  options: { trainable?: string; params?: Record<string, ParamValue> } = {},
): Promise<ModelListing[]> {
  const { namedTrainable } = await import('../trainable-args.js');
  const { describeParams, describeRange } = await import('../../../sweep-spec/param-schema.js');
  const tools = await loadModelTools();
  const named = await namedTrainable(options.trainable);
  const params = options.params ?? {};
  const variants = describeParams(named.trainable.params) ?? [{ when: {}, params: [], closed: false }];
  return selected(variants, params).map((variant) => {
    const built = statsOf(tools, named.trainable, { ...variant.when, ...params });
    return {
      trainable: named.model,
      when: variant.when,
      ...(variant.description !== undefined ? { description: variant.description } : {}),
      parameters: variant.params
        .filter((p) => !Object.hasOwn(variant.when, p.name))
        .map((p: ParamInfo) => ({
          name: p.name,
          ...(p.default !== undefined ? { default: p.default } : {}),
          allowed: describeRange(p),
          ...(p.description !== undefined ? { description: p.description } : {}),
        })),
      ...(built ?? {}),
    };
  });
}

const count = (n: number | undefined) => (n ?? 0).toLocaleString('en-US');

function formatListing(rows: ModelListing[]): string {
  const blocks = rows.map((row) => {
    const title =
      Object.entries(row.when)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ') || row.trainable;
    const lines = [`${title}${row.description ? `: ${row.description}` : ''}`];
    const widths = [4, 7, 7].map((w, i) =>
      Math.max(
        w,
        ...row.parameters.map(
          (p) => [p.name, p.default === undefined ? '—' : String(p.default), p.allowed][i]!.length,
        ),
      ),
    );
    for (const p of row.parameters)
      lines.push(
        `  ${p.name.padEnd(widths[0]!)}  ${(p.default === undefined ? '—' : String(p.default)).padEnd(widths[1]!)}  ${p.allowed.padEnd(widths[2]!)}  ${p.description ?? ''}`.trimEnd(),
      );
    if (row.stats) {
      const s = row.stats;
      const at = Object.entries(row.params ?? {})
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(' ');
      lines.push(
        `  → ${count(s.totalParams)} parameters (conv ${count(s.convParams)}, dense ${count(s.denseParams)}), ${(s.flopsPerImage / 1e6).toFixed(2)} MFLOP per example, at ${at}`,
      );
    }
    return lines.join('\n');
  });
  return `${blocks.join('\n\n')}\n\nColumns: parameter, default, allowed values. FLOPs: forward pass, 2 per multiply-add of conv and dense layers. Set parameters in a sweep's variants or params, or with seedsweep train --param name=value.\n`;
}

export function register(program: Command): void {
  program
    .command('models')
    .description(
      "List a trainable's parameters (default: the built-in image classifier's fc and cnn) with defaults and allowed values, and, for a model trainable, each model's parameter counts and forward FLOPs per example (at --param values, e.g. --kernel-size 5).",
    )
    .option('--trainable <module#export>', 'the trainable (default: the built-in image classifier)')
    .option(
      '--param <name=value>',
      'compute the stats at this parameter value (repeatable); any other --name value is one too',
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .option('--json', 'print one JSON document')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async function (this: Command, options: { trainable?: string; param: string[]; json?: boolean }) {
      const { checkParamNames, namedTrainable, paramsFromArgs } = await import('../trainable-args.js');
      const params = paramsFromArgs(options.param, this.args);
      checkParamNames(await namedTrainable(options.trainable), params, ['--trainable', '--param', '--json']);
      const rows = await listModels({
        ...(options.trainable ? { trainable: options.trainable } : {}),
        params,
      });
      if (options.json) printJson(rows);
      else process.stdout.write(formatListing(rows));
    });
}
