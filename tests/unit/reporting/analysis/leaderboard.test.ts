/**
 * The search-shaped report (src/reporting/analysis/leaderboard.ts): a sampler sweep's configurations
 * ranked by the objective with the epoch and rung each reached and why it stopped; pruned trials counted
 * as pruned, not as missing seeds; the group table kept for configurations with several seeds.
 */
import { describe, expect, it } from 'vitest';
import type { Objective } from '../../../../src/core/domain/objective.js';
import type { TrialConfig } from '../../../../src/core/domain/trial.js';
import {
  buildLeaderboard,
  leaderboardInputOf,
  paramsFromLabel,
  stopEpochOf,
} from '../../../../src/reporting/analysis/leaderboard.js';
import {
  buildReport,
  renderMarkdown,
  renderTable,
  type MissingTrial,
} from '../../../../src/reporting/analysis/report.js';
import type { TrialRecord } from '../../../../src/reporting/analysis/types.js';
import { hyperbandBracketOf, hyperbandBrackets } from '../../../../src/search/index.js';
import type { SweepSpec } from '../../../../src/sweep-spec/schema.js';

const OBJECTIVE: Objective = { metric: 'accuracy', mode: 'max' };
const EPOCHS = 27;
const ASHA = {
  sampler: 'tpe',
  pruner: { rule: 'asha', reductionFactor: 3, minResource: 3, maxResource: EPOCHS },
};

interface Config {
  key: string;
  logLr: number;
  width: number;
}
const label = (c: Config) => `log_lr=${c.logLr} width=${c.width}`;

/** A finished trial of a configuration: accuracy rising to `final` over EPOCHS epochs. */
function record(c: Config, seed: number, final: number): TrialRecord {
  const config: TrialConfig = {
    model: 'curves',
    modelOptions: { log_lr: c.logLr, width: c.width },
    train: { epochs: EPOCHS },
    dataset: { name: 'none' },
    trainable: { module: '/work/examples/adaptive/curves.ts', export: 'curves' },
  };
  const epochs = Array.from({ length: EPOCHS }, (_, i) => ({
    epoch: i + 1,
    accuracy: final - (final - 0.1) * Math.exp(-(i + 1) / 4),
  }));
  return {
    trialKey: `${c.key}-s${seed}`,
    groupKey: c.key,
    groupLabel: label(c),
    factors: { log_lr: c.logLr, width: c.width },
    seed,
    config,
    result: { epochs, final: epochs.at(-1)!, backend: { name: 'js', version: '20' }, resumedFromEpoch: 0 },
  };
}

const missing = (c: Config, seed: number, reason: string): MissingTrial => ({
  trialKey: `${c.key}-s${seed}`,
  groupKey: c.key,
  groupLabel: label(c),
  seed,
  reason,
});

/** The workflow's reason for a trial ASHA stopped: `stopped: ` and the rule's reason. */
const stopped = (epoch: number, rung: number) =>
  `stopped: rung ${rung} (epoch ${epoch}): 0.3 ranks 4th of 5 trials in group sweep; only the top 1 (1/3) go on`;

const C = Array.from({ length: 10 }, (_, i) => ({ key: `g${i}`, logLr: -1 - i / 4, width: 16 * (i + 1) }));

/** A tpe + asha search on one seed: 3 completed (two tied), 5 pruned (3 at rung 0, 2 at rung 1), 1 failed, 1 not run. */
const RECORDS = [record(C[0]!, 0, 0.81), record(C[1]!, 0, 0.86), record(C[2]!, 0, 0.86)];
const MISSING = [
  missing(C[3]!, 0, stopped(3, 0)),
  missing(C[4]!, 0, stopped(9, 1)),
  missing(C[5]!, 0, stopped(3, 0)),
  missing(C[6]!, 0, stopped(9, 1)),
  missing(C[7]!, 0, stopped(3, 0)),
  missing(C[8]!, 0, 'failed: worker exited'),
  missing(C[9]!, 0, 'not run'),
];

const build = (leaderboard?: typeof ASHA, records = RECORDS, missingTrials = MISSING) =>
  buildReport({
    sweepName: 'adaptive-tpe-asha',
    sweepId: 's1',
    records,
    objective: OBJECTIVE,
    missing: missingTrials,
    ...(leaderboard ? { leaderboard } : {}),
  });

describe('the leaderboard of a sampler sweep', () => {
  const report = build(ASHA);
  const board = report.leaderboard!;

  it('ranks by the objective (ties by group key), then the unranked configurations deepest first', () => {
    expect(board.entries.map((e) => [e.rank, e.groupKey])).toEqual([
      [1, 'g1'],
      [2, 'g2'],
      [3, 'g0'],
      [null, 'g4'],
      [null, 'g6'],
      [null, 'g3'],
      [null, 'g5'],
      [null, 'g7'],
      [null, 'g8'],
      [null, 'g9'],
    ]);
    expect(board.counts).toEqual({ completed: 3, partial: 0, pruned: 5, failed: 1, 'not finished': 1 });
  });

  it('says how far each got and why it stopped, with its parameters and rung', () => {
    const entry = (key: string) => board.entries.find((e) => e.groupKey === key)!;
    expect(entry('g1')).toEqual({
      rank: 1,
      groupKey: 'g1',
      label: 'log_lr=-1.25 width=32',
      params: { log_lr: -1.25, width: 32 },
      value: expect.closeTo(0.86 - 0.76 * Math.exp(-27 / 4), 12),
      n: 1,
      planned: 1,
      epoch: 27,
      rung: 2,
      status: 'completed',
      why: 'completed',
    });
    // A pruned configuration has no record: its parameters come from the label, its epoch from the reason.
    expect(entry('g4')).toMatchObject({
      params: { log_lr: -2, width: 80 },
      value: null,
      epoch: 9,
      rung: 1,
      status: 'pruned',
      why: 'pruned by asha at epoch 9',
    });
    expect(entry('g3')).toMatchObject({ epoch: 3, rung: 0, why: 'pruned by asha at epoch 3' });
    expect(entry('g8')).toMatchObject({ epoch: null, status: 'failed', why: 'failed: worker exited' });
    expect(entry('g9')).toMatchObject({ status: 'not finished', why: 'not run' });
  });

  it('counts pruned configurations as pruned in the notes, not as missing seeds', () => {
    expect(report.notes.filter((n) => n.startsWith('group ') && n.includes('stopped'))).toEqual([]);
    expect(report.notes).toContain(
      'search: 10 configurations (sampler tpe): 3 completed, 5 pruned by asha, 1 failed, 1 not finished; ' +
        'the leaderboard ranks them, and pruned configurations are counted as pruned, not as missing seeds',
    );
    expect(report.notes).toContain(
      '3 of 3 configurations have one finished seed: no spread, CI or test for them (the group table lists those with several)',
    );
    expect(report.notes.some((n) => n.includes('has 1 finished seed'))).toBe(false);
    // Failures and trials that did not run are still data problems, stated per configuration.
    expect(report.notes).toContain(
      'group log_lr=-3 width=144: no finished seed (not in the tables or comparisons), 1 seed missing — seed 0 failed: worker exited',
    );
    expect(report.missingGroups?.map((g) => g.groupKey)).toEqual(['g8', 'g9']);
  });

  it('renders the leaderboard in the terminal table, Markdown and JSON; no group table without several seeds', () => {
    const md = renderMarkdown(report);
    expect(md).toContain('## Leaderboard');
    expect(md).toContain('| rank | accuracy (max) | log_lr | width | epoch reached | stopped |');
    expect(md).toContain('| 1 | 0.8591 | −1.250 | 32 | 27 (rung 2) | completed |');
    expect(md).toContain('| 3 | 0.8092 | −1 | 16 | 27 (rung 2) | completed |');
    expect(md).toContain('| – | – | −2 | 80 | 9 (rung 1) | pruned by asha at epoch 9 |');
    expect(md).not.toContain('## Groups');
    expect(md).toContain(
      '3 finished trials in 3 groups, 2 planned trials missing (see Notes); 10 configurations (sampler tpe): 3 completed, 5 pruned by asha, 1 failed, 1 not finished',
    );
    const text = renderTable(report);
    expect(text).toMatch(
      /^Leaderboard\nrank\s+accuracy \(max\)\s+log_lr\s+width\s+epoch reached\s+stopped$/m,
    );
    expect(text).toMatch(/^ {3}–\s+–\s+−2\s+80\s+9 \(rung 1\)\s+pruned by asha at epoch 9$/m);
    expect(JSON.parse(JSON.stringify(report)).leaderboard).toEqual(board);
  });

  it('leaves a report without the leaderboard option as it was (stopped trials are missing seeds there)', () => {
    const plain = build();
    expect(plain.leaderboard).toBeUndefined();
    expect(plain.notes).toContain(
      `group log_lr=-1.75 width=64: no finished seed (not in the tables or comparisons), 1 seed missing — seed 0 ${stopped(3, 0)}`,
    );
    expect(renderMarkdown(plain)).toContain('## Groups');
    expect(renderMarkdown(plain)).not.toContain('Leaderboard');
  });
});

describe('a search with several seeds per configuration', () => {
  const records = [
    record(C[0]!, 0, 0.8),
    record(C[0]!, 1, 0.82),
    record(C[1]!, 0, 0.9),
    record(C[2]!, 1, 0.7),
  ];
  const missingTrials = [missing(C[1]!, 1, stopped(3, 0)), missing(C[2]!, 0, 'failed: out of memory')];
  const report = build(ASHA, records, missingTrials);

  it('marks partly completed configurations and keeps the group table for those with several seeds', () => {
    const g1 = report.leaderboard!.entries.find((e) => e.groupKey === 'g1')!;
    expect(g1).toMatchObject({
      rank: 1,
      value: expect.closeTo(0.9 - 0.8 * Math.exp(-27 / 4), 12),
      n: 1,
      planned: 2,
      status: 'partial',
      why: '1 of 2 seeds completed; seed 1 pruned by asha at epoch 3',
    });
    expect(report.leaderboard!.entries.find((e) => e.groupKey === 'g2')!.why).toBe(
      '1 of 2 seeds completed; seed 0 failed: out of memory',
    );
    const md = renderMarkdown(report);
    expect(md).toContain('| rank | accuracy (max) | n | log_lr | width | epoch reached | stopped |');
    expect(md).toContain('## Groups');
    const groupRows = md
      .split('## Groups')[1]!
      .split('\n')
      .filter((l) => l.startsWith('| log_lr'));
    expect(groupRows).toHaveLength(1);
    expect(groupRows[0]).toMatch(/^\| log_lr=-1 width=16 \| 2 \|/);
    // The failed seed is a missing seed of its group; the pruned one is not.
    expect(report.groups.find((g) => g.groupKey === 'g1')!.missing).toBeUndefined();
    expect(report.groups.find((g) => g.groupKey === 'g2')!.missing).toEqual([
      { seed: 0, reason: 'failed: out of memory' },
    ]);
  });
});

describe('leaderboard details', () => {
  it('gives Hyperband configurations their bracket and the rung within it', () => {
    const input = {
      sampler: 'random',
      pruner: { rule: 'hyperband', reductionFactor: 3, minResource: 1, maxResource: 27 },
    };
    const board = buildLeaderboard({
      input,
      objective: OBJECTIVE,
      records: [],
      missing: C.map((c) => missing(c, 0, `stopped: bracket 0 of 4: rung 1 (epoch 3): …`)),
    });
    const brackets = hyperbandBrackets({ reductionFactor: 3, minResource: 1, maxResource: 27 });
    for (const e of board.entries) {
      const bracket = hyperbandBracketOf(e.groupKey, brackets);
      expect(e.bracket).toBe(bracket);
      // Epoch 3 is rung 1 of bracket 0 (rungs 1, 3, 9), rung 0 of bracket 1 (3, 9), before bracket 2's first (9).
      expect(e.rung).toBe([1, 0, undefined, undefined][bracket]);
    }
    expect(new Set(board.entries.map((e) => e.bracket)).size).toBeGreaterThan(1);
  });

  it('reads stop epochs and labels', () => {
    expect(stopEpochOf('stopped: epoch 4: best 0.4 below the median 0.5 of 6 trials in group g')).toBe(4);
    expect(stopEpochOf('stopped: bracket 1 of 4: rung 0 (epoch 3): …')).toBe(3);
    expect(stopEpochOf('stopped: early-stopped at epoch 7')).toBe(7);
    expect(stopEpochOf('cancelled')).toBeNull();
    expect(paramsFromLabel('opt=adam lr=0.001 bn=true')).toEqual({ opt: 'adam', lr: 0.001, bn: true });
    expect(paramsFromLabel('model=cnn kernel size')).toEqual({});
  });

  it('takes its input from a sampler spec only', () => {
    const spec = {
      variants: { exclude: [], sampler: { name: 'tpe', trials: 30, seed: 0, params: {}, options: {} } },
      earlyStopping: { rule: 'hyperband', reductionFactor: 3, minResource: 3 },
      train: { epochs: 27 },
    } as unknown as SweepSpec;
    expect(leaderboardInputOf(spec)).toEqual({
      sampler: 'tpe',
      pruner: { rule: 'hyperband', reductionFactor: 3, minResource: 3, maxResource: 27 },
    });
    expect(leaderboardInputOf({ ...spec, variants: { exclude: [] } } as SweepSpec)).toBeUndefined();
    expect(leaderboardInputOf(undefined)).toBeUndefined();
  });
});
