/**
 * `seedsweep plan <spec>`: validate a sweep spec and print its expansion (groups, trials, keys, the
 * varying factors) without running anything. Needs no Temporal or MLflow server, except with
 * `--power <effect>`: then it also reads a pilot sweep's finished trials (`--pilot`, default the spec's
 * own by its name) and says how many seeds a paired comparison needs (src/reporting/analysis/power.ts).
 * It also estimates the sweep's cost from earlier trials in a tracking server that is already running
 * (it starts none), or with `--probe` by timing what nothing matched (src/reporting/cost/).
 */
import path from 'node:path';
import { isUserError, UserError } from '../../../core/common/errors.js';
import { userPath } from '../../../core/common/safe-names.js';
import type { ParamValue, TrialRecord } from '../../../core/domain/trial.js';
import type { Command } from 'commander';
import { expandSweep, trainableModelName, varyingFactors } from '../../../sweep-spec/expand.js';
import type { SweepSpec } from '../../../sweep-spec/schema.js';
import type { PlannedTrial, QueueKind } from '../../../sweep-spec/types.js';
import type { PowerPlan } from '../../../reporting/analysis/power.js';
import type { PlanCost } from '../../../reporting/cost/plan-cost.js';
import { printJson } from '../output.js';
import { SEED_SOURCE_SPEC_NAMES, factorialCells } from '../../../core/domain/seed-sources.js';

/** The command's flags. */
interface PlanOptions {
  set: string[];
  dataPath?: string;
  json?: boolean;
  /** `--power <effect>`: the difference to detect, in the objective's units. */
  power?: string;
  /** `--pilot <sweep>`: the pilot sweep's id or name (default: the spec's name). */
  pilot?: string;
  /** `--probe`: time the groups no earlier trial matches, in this process. */
  probe?: boolean;
  /** `--threads <n>`: training threads of the workers, for the wall time. */
  threads?: string;
}

/** Characters of a trial key shown in the table (enough to be unique in practice, short enough to read). */
export const KEY_PREFIX_LENGTH = 12;

/** What `plan` reports; also the `--json` document. */
export interface PlanSummary {
  sweep: string;
  file: string;
  datasetFingerprint: string;
  groupCount: number;
  trialCount: number;
  seeds: number[];
  varyingFactors: string[];
  /** Present for `controlled: true` specs (loading has already checked that exactly one factor varies). */
  controlledFactor?: string;
  groups: { groupKey: string; label: string; factors: Record<string, ParamValue>; trials: number }[];
  trials: { groupLabel: string; seed: number; trialKey: string; groupKey: string; queue: QueueKind }[];
  comparisons: { name: string; a: string; b: string }[];
  /** Adaptive sweeps: what grows the plan while it runs (the trials listed are only the first). */
  adaptive?: string;
  /** `seed_sources`: which sources vary and how (absent: every source takes the trial seed). */
  seedSources?: string;
  /** The spec's own trainable; absent for the built-in image classifier. */
  trainable?: PlannedTrainable;
}

/** What `plan` says of a spec's trainable. */
export interface PlannedTrainable {
  name: string;
  version?: string;
  /** `defineTrainable` (parameters checked by its schema at load) or a plain `function` (unchecked). */
  form: 'defineTrainable' | 'function';
  /** False for a plain function: it declares no schema, so its parameters reach it as the spec gives them. */
  paramsChecked: boolean;
  /** Where it is: `module#export`. */
  ref: string;
  /** What the trial configs' `model` says (part of every trial key). */
  model: string;
}

/** The spec's trainable as `plan` reports it. */
function plannedTrainable(trainable: NonNullable<SweepSpec['trainable']>): PlannedTrainable {
  return {
    name: trainable.name,
    ...(trainable.version !== undefined ? { version: trainable.version } : {}),
    form: trainable.form === 'function' ? 'function' : 'defineTrainable',
    paramsChecked: trainable.form !== 'function',
    ref: `${trainable.module}#${trainable.export}`,
    model: trainableModelName(trainable),
  };
}

/** `ref` relative to the working folder when it is inside it (`./model.ts#train`), else as it is. */
function shortRef(ref: string): string {
  if (!path.isAbsolute(ref)) return ref;
  const relative = path.relative(process.cwd(), ref);
  return relative.startsWith('..') ? ref : `./${relative}`;
}

/** One line about the trainable: what it is and whether its parameters were checked. */
function trainableText(t: PlannedTrainable): string {
  const where = shortRef(t.ref);
  const what =
    t.form === 'function'
      ? `a plain function, ${where}; keys as model ${t.model}`
      : `defineTrainable${t.version !== undefined ? ` version ${t.version}` : ''}, ${where}`;
  const params = t.paramsChecked
    ? 'parameters checked by its schema'
    : 'parameters unchecked (no schema: they reach it as the spec gives them; defineTrainable adds one)';
  return `trainable: ${t.name} (${what}): ${params}`;
}

/** How an adaptive spec grows its plan, in one line; undefined for a fixed plan. */
function adaptiveText(spec: SweepSpec): string | undefined {
  const sampler = spec.variants.sampler;
  if (sampler) {
    const warm = sampler.warmStart;
    const first = warm && warm.trials.length > 0 ? `${warm.trials.length} listed configuration(s) first` : '';
    const earlier =
      warm && warm.sweeps.length > 0
        ? `from the finished trials of ${warm.sweeps.join(', ')} (read when the sweep is submitted)`
        : '';
    const warmText = warm ? `; warm start: ${[first, earlier].filter(Boolean).join(', then ')}` : '';
    return `sampler ${sampler.name} proposes ${sampler.trials} configuration(s) while the sweep runs, each on every seed (up to ${sampler.trials * spec.seeds.length} trials)${warmText}`;
  }
  const seeds = spec.adaptiveSeeds;
  if (seeds)
    return `adaptive seeds: ${seeds.min} seed(s) first, then ${seeds.perRound} more per round until ${selectorText(seeds.until.compare[0])} vs ${selectorText(seeds.until.compare[1])} is settled, at most ${seeds.max} seeds`;
  return undefined;
}

function seedSourcesText(config: NonNullable<SweepSpec['seedSources']>): string {
  const varied = config.vary.map((source) => SEED_SOURCE_SPEC_NAMES[source]);
  const held = `the others fixed at ${config.fixed}`;
  if (config.design === 'factorial')
    return `factorial ${varied.join(' × ')} over levels ${(config.levels ?? []).join(', ')}: ${factorialCells(config)} cells per group, each trial seed a cell (${held})`;
  return `${varied.join(', ')} ${varied.length === 1 ? 'takes' : 'take'} the trial seed, ${held}`;
}

function selectorText(selector: Record<string, ParamValue>): string {
  return Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

/** The summary of an expanded spec (pure: the caller supplies the trials and the fingerprint). */
export function summarizePlan(options: {
  /** The validated spec. */
  spec: SweepSpec;
  /** File the spec came from, as shown to the user. */
  file: string;
  /** `expandSweep` of the spec. */
  trials: PlannedTrial[];
  /** The dataset fingerprint the keys were made with. */
  datasetFingerprint: string;
}): PlanSummary {
  const { spec, trials } = options;
  const groups = new Map<string, PlanSummary['groups'][number]>();
  for (const trial of trials) {
    const group = groups.get(trial.groupKey);
    if (group) group.trials += 1;
    else
      groups.set(trial.groupKey, {
        groupKey: trial.groupKey,
        label: trial.groupLabel,
        factors: trial.factors,
        trials: 1,
      });
  }
  const varying = varyingFactors(trials);
  const summary: PlanSummary = {
    sweep: spec.name,
    file: options.file,
    datasetFingerprint: options.datasetFingerprint,
    groupCount: groups.size,
    trialCount: trials.length,
    seeds: spec.seeds,
    varyingFactors: varying,
    groups: [...groups.values()],
    trials: trials.map((t) => ({
      groupLabel: t.groupLabel,
      seed: t.seed,
      trialKey: t.trialKey,
      groupKey: t.groupKey,
      queue: t.queue,
    })),
    comparisons: spec.comparisons.map((c) => ({
      name: c.name ?? '',
      a: selectorText(c.a),
      b: selectorText(c.b),
    })),
  };
  if (spec.controlled && varying.length === 1) summary.controlledFactor = varying[0];
  const adaptive = adaptiveText(spec);
  if (adaptive !== undefined) summary.adaptive = adaptive;
  if (spec.trainable) summary.trainable = plannedTrainable(spec.trainable);
  if (spec.seedSources) summary.seedSources = seedSourcesText(spec.seedSources);
  return summary;
}

function table(rows: string[][]): string {
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The human-readable plan: header lines, the trial table, the comparisons. */
export function formatPlan(summary: PlanSummary): string {
  const lines = [
    `sweep ${summary.sweep} (${summary.file}): ${summary.groupCount} group(s) × ${summary.seeds.length} seed(s) = ${summary.trialCount} trial(s)`,
    `seeds: ${summary.seeds.join(', ')}`,
    `varying factors: ${summary.varyingFactors.length > 0 ? summary.varyingFactors.join(', ') : '(none)'}`,
  ];
  if (summary.controlledFactor !== undefined)
    lines.push(`controlled: exactly one factor varies: ${summary.controlledFactor}`);
  if (summary.adaptive !== undefined) lines.push(`adaptive: ${summary.adaptive}`);
  if (summary.seedSources !== undefined) lines.push(`seed sources: ${summary.seedSources}`);
  if (summary.trainable !== undefined) lines.push(trainableText(summary.trainable));
  lines.push(`dataset fingerprint: ${summary.datasetFingerprint.slice(0, 16)}…`, '');
  lines.push(
    table([
      ['GROUP', 'SEED', 'TRIAL KEY', 'QUEUE'],
      ...summary.trials.map((t) => [
        t.groupLabel,
        String(t.seed),
        t.trialKey.slice(0, KEY_PREFIX_LENGTH),
        t.queue,
      ]),
    ]),
  );
  if (summary.comparisons.length > 0) {
    lines.push('', 'comparisons:');
    for (const c of summary.comparisons) lines.push(`  ${c.name}: ${c.a}  vs  ${c.b}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The effect `--power` names, in the objective's units: a positive finite number, else
 * `E_POWER_EFFECT` (checked before any spec or server is read).
 */
export function parsePowerEffect(text: string): number {
  const effect = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(effect) || effect <= 0)
    throw new UserError(
      'E_POWER_EFFECT',
      `--power needs a positive effect in the objective's units (a difference of final values, e.g. --power 0.01); got '${text}'`,
    );
  return effect;
}

const fixed = (x: number, digits: number): string => (Number.isFinite(x) ? x.toFixed(digits) : '∞');

/** The `--power` answer: the seeds needed, then one line per comparison of the pilot. */
export function formatPower(plan: PowerPlan): string {
  const { metric, mode } = plan.objective;
  const lines = [
    `power: ${plan.seeds} seeds per group to detect a difference of ${plan.effect} in final ${metric} (${mode}) ` +
      `with a two-sided paired t test at alpha ${plan.alpha}, power ${plan.power} (sd of paired differences from pilot sweep ${plan.pilot})`,
    table([
      ['COMPARISON', 'PAIRS', 'MEAN DIFF', 'SD DIFF', 'D_Z', 'SEEDS', 'PILOT POWER'],
      ...plan.comparisons.map((c) => [
        c.name,
        String(c.pairs),
        c.meanDifference.toPrecision(4),
        c.sdDifference.toPrecision(4),
        fixed(c.effectSize, 3),
        String(c.seeds),
        fixed(c.pilotPower, 3),
      ]),
    ]),
    ...plan.notes.map((n) => `note: ${n}`),
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * The cost lines under the plan: the estimate (src/reporting/cost/format.ts) or why there is none. A
 * sampler sweep's estimate counts random stand-ins for the configurations it will propose
 * (src/reporting/cost/plan-trials.ts), and says so.
 */
export async function formatCost(
  cost: PlanCost,
  options: { spec: SweepSpec; backend: string; probed: boolean },
): Promise<string> {
  if ('unavailable' in cost) return `no estimate: ${cost.unavailable}\n`;
  const { formatCostEstimate } = await import('../../../reporting/cost/format.js');
  const lines = formatCostEstimate(cost.estimate, { backend: options.backend, probed: options.probed });
  if (cost.note !== undefined) lines.push(`  note: ${cost.note}`);
  const { sampler } = options.spec.variants;
  if (sampler)
    lines.push(
      `  note: the sampler proposes its ${sampler.trials} configuration(s) while it runs: those not planned yet are counted as random points of its space`,
    );
  return `${lines.join('\n')}\n`;
}

/** The finished trials of the pilot sweep `ref` (an id or a name; none when the tracker has none). */
async function pilotRecords(ref: string): Promise<TrialRecord[]> {
  const { loadSweep, withSweepLookup } = await import('../../../temporal/client/sweep-records.js');
  return withSweepLookup(async (lookup) => {
    try {
      return (await loadSweep(lookup, ref)).records;
    } catch (error) {
      if (isUserError(error) && error.code === 'E_SWEEP_NOT_FOUND') return [];
      throw error;
    }
  });
}

export function register(program: Command): void {
  program
    .command('plan')
    .description(
      'Validate a sweep spec and print its trials (groups, seeds, trial keys) without running anything.',
    )
    .argument('<spec>', 'sweep spec YAML file, or the name of a shipped sweep (e.g. quickstart)')
    .option(
      '--set <path=value>',
      'override a spec field, e.g. --set dataset.train_size=50000 (repeatable)',
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .option('--data-path <path>', 'CIFAR-10 archive or extracted folder (same as --set dataset.path=<path>)')
    .option('--json', 'print one JSON document')
    .option(
      '--power <effect>',
      "seeds a paired comparison needs to detect this difference in the objective's final value (alpha 0.05, power 0.8), from a pilot sweep's spread",
    )
    .option(
      '--pilot <sweep>',
      "with --power: the finished sweep (id or name) whose paired differences give the spread (default: the spec's own finished trials, by its name)",
    )
    .option(
      '--probe',
      'for the cost estimate: time one short epoch of each group no earlier trial matches, here (trains briefly)',
    )
    .option(
      '--threads <n>',
      'for the cost estimate: training threads of the workers that will run it (default: CPU cores)',
    )
    .action(async (specArgument: string, options: PlanOptions) => {
      const effect = options.power === undefined ? undefined : parsePowerEffect(options.power);
      if (options.pilot !== undefined && effect === undefined)
        throw new UserError(
          'E_POWER_PILOT',
          '--pilot names the pilot sweep of --power <effect>; add --power',
        );
      parseThreads(options.threads); // a bad value fails before the spec is read
      // Production mode before the spec's user code (trainable, dataset plug-in) makes tensors: no TF.js banner.
      await import('../../../training/backends/tfjs.js');
      const { displaySpecPath, loadSweepSpec, resolveSpecPath } = await import('../../../sweep-spec/load.js');
      const { fingerprintDataset } = await import('../../../datasets/plugins.js');
      if (options.dataPath !== undefined) userPath(options.dataPath, '--data-path');
      const resolved = resolveSpecPath(specArgument);
      const file = displaySpecPath({ given: specArgument, resolved });
      const overrides = [
        ...options.set,
        ...(options.dataPath === undefined ? [] : [`dataset.path=${JSON.stringify(options.dataPath)}`]),
      ];
      const spec = await loadSweepSpec(specArgument, { overrides });
      const fingerprint = await fingerprintDataset(spec.dataset);
      const trials = expandSweep({ spec, datasetFingerprint: fingerprint });
      const summary = summarizePlan({ spec, file, trials, datasetFingerprint: fingerprint });
      const cost = await planCostOf({ spec, fingerprint, options });
      if (effect === undefined) {
        if (options.json) printJson({ ...summary, cost: cost.json });
        else process.stdout.write(`${formatPlan(summary)}\n${cost.text}`);
        return;
      }
      const { pilotPower } = await import('../../../reporting/analysis/power.js');
      const pilot = options.pilot ?? spec.name;
      const power = pilotPower({
        pilot,
        records: await pilotRecords(pilot),
        objective: spec.objective,
        comparisons: spec.comparisons,
        effect,
      });
      if (options.json) printJson({ ...summary, cost: cost.json, power });
      else process.stdout.write(`${formatPlan(summary)}\n${cost.text}\n${formatPower(power)}`);
    });
}

/** `--threads`: a whole number ≥ 1 (as `run` takes it), or undefined when not given. */
export function parseThreads(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const threads = Number(value);
  if (!Number.isInteger(threads) || threads < 1)
    throw new UserError('E_BAD_ARGUMENT', `--threads must be an integer ≥ 1; got '${value}'.`);
  return threads;
}

/**
 * The plan's cost: its trials expanded with the backend the sweep will be submitted with (trial and
 * group keys include it, so earlier trials match only then), estimated and formatted.
 */
async function planCostOf(options: {
  spec: SweepSpec;
  fingerprint: string;
  options: PlanOptions;
}): Promise<{ json: PlanCost; text: string }> {
  const { spec, fingerprint } = options;
  const { estimateSpecCost } = await import('../../../temporal/client/cost-outcome.js');
  const probed = options.options.probe === true;
  const threads = parseThreads(options.options.threads);
  const { cost, backend } = await estimateSpecCost({
    spec,
    datasetFingerprint: fingerprint,
    probe: probed,
    ...(threads !== undefined ? { threads } : {}),
    ...(options.options.json
      ? {}
      : { onProbe: (label: string) => process.stderr.write(`probing ${label || 'the trainable'}…\n`) }),
  });
  return { json: cost, text: await formatCost(cost, { spec, backend, probed }) };
}
