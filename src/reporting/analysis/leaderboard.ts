/**
 * The leaderboard of a sampler sweep (`variants.sampler`): the report shaped like a search, as Optuna's
 * trials table shows one. One row per configuration (seedsweep's group), ranked by the objective's
 * final value (the mean over its finished seeds; best first, ties by group key), with its parameters,
 * the epoch (and rung) it reached and why it stopped: completed, pruned by <rule> at epoch N, failed.
 * Configurations without a final value follow, unranked: the deepest first.
 *
 * Pruned configurations are the search working, not missing data: the report counts them as pruned
 * (see {@link isPrunedReason}); the multi-seed tables keep the configurations with several seeds.
 *
 * What the records carry: a finished trial's per-epoch metrics (so the epochs it reached); a trial a
 * pruner stopped has no record, only the aggregation's reason (`stopped: rung 0 (epoch 3): …`), from
 * which the epoch is read; its parameters come from its group label (`name=value …`) when no seed of
 * the configuration finished.
 */
import { isBetter, type Objective } from '../../core/domain/objective.js';
import type { ParamValue, TrialRecord } from '../../core/domain/trial.js';
import { ashaRungs } from '../../search/asha.js';
import { hyperbandBracketOf, hyperbandBrackets } from '../../search/hyperband.js';
import type { SweepSpec } from '../../sweep-spec/schema.js';
import { finalValue } from './metrics.js';
import type {
  LeaderboardEntry,
  LeaderboardInput,
  LeaderboardMissing,
  LeaderboardReport,
  LeaderboardStatus,
} from './leaderboard-types.js';

export type * from './leaderboard-types.js';

/** The leaderboard input of a spec: present only for a sampler sweep. */
export function leaderboardInputOf(
  spec: Pick<SweepSpec, 'variants' | 'earlyStopping' | 'train'> | undefined,
): LeaderboardInput | undefined {
  const sampler = spec?.variants.sampler;
  if (!sampler) return undefined;
  const rule = spec.earlyStopping;
  return {
    sampler: sampler.name,
    ...(rule
      ? {
          pruner: {
            rule: rule.rule,
            reductionFactor: rule.reductionFactor,
            minResource: rule.minResource,
            maxResource: spec.train.epochs,
          },
        }
      : {}),
  };
}

/** True for the reason of a trial a pruner stopped (the workflow writes `stopped: <the rule's reason>`). */
export function isPrunedReason(reason: string): boolean {
  return /^stopped\b/.test(reason);
}

/** The epoch a pruned trial stopped at, read from its reason (`… (epoch 3): …`, `epoch 3: …`, `at epoch 3`). */
export function stopEpochOf(reason: string): number | null {
  const match = /\bepoch (\d+)\b/.exec(reason);
  return match ? Number(match[1]) : null;
}

/** Parameters from a group label `name=value name=value` (numbers and booleans parsed); {} when it is not one. */
export function paramsFromLabel(label: string): Record<string, ParamValue> {
  const params: Record<string, ParamValue> = {};
  for (const token of label.split(' ')) {
    const at = token.indexOf('=');
    if (at <= 0) return {};
    const text = token.slice(at + 1);
    const number = Number(text);
    params[token.slice(0, at)] =
      text === 'true'
        ? true
        : text === 'false'
          ? false
          : text !== '' && Number.isFinite(number)
            ? number
            : text;
  }
  return params;
}

/** The rung reached at `epoch` (see {@link LeaderboardEntry.rung}) and, for Hyperband, the bracket. */
function rungOf(
  pruner: LeaderboardInput['pruner'],
  groupKey: string,
  epoch: number | null,
): { rung?: number; bracket?: number } {
  if (!pruner || epoch === null || pruner.maxResource === undefined) return {};
  const options = {
    reductionFactor: pruner.reductionFactor ?? 3,
    minResource: pruner.minResource ?? 1,
    maxResource: pruner.maxResource,
  };
  let rungs: number[];
  let bracket: number | undefined;
  if (pruner.rule === 'asha') rungs = ashaRungs(options);
  else if (pruner.rule === 'hyperband') {
    // The workflow hashes a trial's configuration (its group key) to its bracket, as the pruner does.
    const brackets = hyperbandBrackets(options);
    bracket = hyperbandBracketOf(groupKey, brackets);
    rungs = brackets[bracket]!.rungs;
  } else return {};
  const rung = epoch >= options.maxResource ? rungs.length : rungs.filter((e) => e <= epoch).length - 1;
  return { ...(rung >= 0 ? { rung } : {}), ...(bracket !== undefined ? { bracket } : {}) };
}

const seedsText = (seeds: readonly number[]): string =>
  `${seeds.length === 1 ? 'seed' : 'seeds'} ${seeds.join(', ')}`;

/** The configurations of a sampler sweep, ranked. Pure; records and missing trials of any order. */
export function buildLeaderboard(options: {
  input: LeaderboardInput;
  objective: Objective;
  records: readonly TrialRecord[];
  missing?: readonly LeaderboardMissing[];
}): LeaderboardReport {
  const { input, objective } = options;
  const rule = input.pruner?.rule ?? 'the pruner';
  const configs = new Map<string, { label: string; records: TrialRecord[]; missing: Map<number, string> }>();
  const configOf = (groupKey: string, label: string) => {
    let c = configs.get(groupKey);
    if (!c) configs.set(groupKey, (c = { label, records: [], missing: new Map() }));
    return c;
  };
  for (const r of options.records) configOf(r.groupKey, r.groupLabel).records.push(r);
  for (const m of options.missing ?? []) {
    const c = configOf(m.groupKey, m.groupLabel || m.groupKey);
    if (!c.records.some((r) => r.seed === m.seed) && !c.missing.has(m.seed)) c.missing.set(m.seed, m.reason);
  }
  const entries = [...configs].map(([groupKey, c]): LeaderboardEntry => {
    const values = c.records.map((r) => finalValue(r, objective.metric)).filter(Number.isFinite);
    const value = values.length > 0 ? values.reduce((s, v) => s + v, 0) / values.length : null;
    const pruned = [...c.missing].filter(([, reason]) => isPrunedReason(reason));
    const failed = [...c.missing].filter(([, reason]) => /^failed\b/.test(reason));
    const epochs = [
      ...c.records.map((r) => Math.max(r.result.epochs.length, r.result.final.epoch ?? 0)),
      ...pruned.map(([, reason]) => stopEpochOf(reason) ?? 0),
    ];
    const epoch = epochs.length > 0 && Math.max(...epochs) > 0 ? Math.max(...epochs) : null;
    // Pruned seeds grouped by their stop epoch: `pruned by asha at epoch 3` (one seed needs no seed number).
    const byEpoch = new Map<string, number[]>();
    for (const [seed, reason] of pruned) {
      const at = stopEpochOf(reason);
      const key = at === null ? '' : ` at epoch ${at}`;
      byEpoch.set(
        key,
        [...(byEpoch.get(key) ?? []), seed].sort((a, b) => a - b),
      );
    }
    const planned = c.records.length + c.missing.size;
    const prunedText = [...byEpoch]
      .map(([at, seeds]) =>
        planned === 1 ? `pruned by ${rule}${at}` : `${seedsText(seeds)} pruned by ${rule}${at}`,
      )
      .join('; ');
    const others = [...c.missing].filter(([, reason]) => !isPrunedReason(reason));
    const othersText = others
      .map(([seed, reason]) => (planned === 1 ? reason : `seed ${seed} ${reason}`))
      .join('; ');
    let status: LeaderboardStatus;
    let why: string;
    if (c.missing.size === 0) {
      status = 'completed';
      why = 'completed';
    } else if (c.records.length > 0) {
      status = 'partial';
      why = [`${c.records.length} of ${planned} seeds completed`, prunedText, othersText]
        .filter(Boolean)
        .join('; ');
    } else {
      status = pruned.length > 0 ? 'pruned' : failed.length > 0 ? 'failed' : 'not finished';
      why = [prunedText, othersText].filter(Boolean).join('; ');
    }
    return {
      rank: null,
      groupKey,
      label: c.label,
      params: c.records[0]?.factors ?? paramsFromLabel(c.label),
      value,
      n: c.records.length,
      planned,
      epoch,
      ...rungOf(input.pruner, groupKey, epoch),
      status,
      why,
    };
  });
  const byKey = (a: LeaderboardEntry, b: LeaderboardEntry): number =>
    a.groupKey < b.groupKey ? -1 : a.groupKey > b.groupKey ? 1 : 0;
  entries.sort((a, b) => {
    if (a.value !== null && b.value !== null) {
      if (isBetter(objective, a.value, b.value)) return -1;
      if (isBetter(objective, b.value, a.value)) return 1;
      return byKey(a, b);
    }
    if (a.value !== null) return -1;
    if (b.value !== null) return 1;
    return (b.epoch ?? 0) - (a.epoch ?? 0) || byKey(a, b);
  });
  entries.forEach((e, i) => {
    if (e.value !== null) e.rank = i + 1;
  });
  const counts: Record<LeaderboardStatus, number> = {
    completed: 0,
    partial: 0,
    pruned: 0,
    failed: 0,
    'not finished': 0,
  };
  for (const e of entries) counts[e.status] += 1;
  return { sampler: input.sampler, pruner: input.pruner?.rule ?? null, counts, entries };
}

/** `30 configurations (tpe): 7 completed, 23 pruned by asha`: the report's size line for a search. */
export function leaderboardCountText(board: LeaderboardReport): string {
  const { counts } = board;
  const total = board.entries.length;
  const parts = [
    `${counts.completed} completed`,
    counts.partial > 0 ? `${counts.partial} partly completed` : '',
    counts.pruned > 0 ? `${counts.pruned} pruned${board.pruner ? ` by ${board.pruner}` : ''}` : '',
    counts.failed > 0 ? `${counts.failed} failed` : '',
    counts['not finished'] > 0 ? `${counts['not finished']} not finished` : '',
  ].filter(Boolean);
  return `${total} ${total === 1 ? 'configuration' : 'configurations'} (sampler ${board.sampler}): ${parts.join(', ')}`;
}
