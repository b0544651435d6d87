/**
 * Planned trials without a finished result (stopped by a pruner, failed, cancelled, not started): the
 * report states n per group and why seeds are missing, and a paired comparison uses only complete
 * pairs and says which seeds it dropped. Without missing trials the report is unchanged.
 */
import { describe, expect, it } from 'vitest';
import {
  buildReport,
  renderHtml,
  renderMarkdown,
  renderTable,
  type MissingTrial,
  type SweepReport,
} from '../../../../src/reporting/analysis/report.js';
import {
  BRANIN_FAST,
  BRANIN_OBJECTIVE,
  BRANIN_SLOW,
  CNN3,
  CNN5,
  FC,
  generateBraninRecords,
  generateRecords,
  STUDY,
} from './records.js';

const all = generateRecords();
const keyOf = (label: string): string => all.find((r) => r.groupLabel === label)!.groupKey;
const isTrial = (label: string, seed: number) => (r: { groupLabel: string; seed: number }) =>
  r.groupLabel === label && r.seed === seed;

const STOPPED = 'stopped at epoch 2 by asha: rung 1, 0.412 below the top third 0.455 of 5 trials';
const FAILED = 'failed: worker out of memory';
const missing: MissingTrial[] = [
  { trialKey: 'k-cnn3-s3', groupKey: keyOf(CNN3.label), groupLabel: CNN3.label, seed: 3, reason: STOPPED },
  { trialKey: 'k-fc-s4', groupKey: keyOf(FC.label), groupLabel: FC.label, seed: 4, reason: FAILED },
  // A group none of whose trials finished is not in the tables, but the notes say why.
  { trialKey: 'k-rnn-s0', groupKey: 'g-rnn', groupLabel: 'model=rnn', seed: 0, reason: 'not started' },
  { trialKey: 'k-rnn-s1', groupKey: 'g-rnn', groupLabel: 'model=rnn', seed: 1, reason: 'not started' },
  // Listed as missing, but a record exists (reused from an earlier sweep): it counts as finished.
  {
    trialKey: 'k-cnn5-s0',
    groupKey: keyOf(CNN5.label),
    groupLabel: CNN5.label,
    seed: 0,
    reason: 'cancelled',
  },
];
const records = all.filter((r) => !isTrial(CNN3.label, 3)(r) && !isTrial(FC.label, 4)(r));
const build = (options: { missing?: MissingTrial[]; recs?: typeof records } = {}): SweepReport => {
  const report = buildReport({
    sweepName: 'conv-study',
    sweepId: 'sweep-9',
    records: options.recs ?? records,
    synthetic: true,
    ...STUDY,
    ...(options.missing ? { missing: options.missing } : {}),
  });
  report.generatedAt = '2025-01-01T00:00:00.000Z';
  return report;
};
const report = build({ missing });
const group = (label: string) => report.groups.find((g) => g.label === label);
const comparison = (a: string, b: string) =>
  report.comparisons.find((c) => c.a.label === a && c.b.label === b);

describe('a report with a stopped and a failed trial', () => {
  it('states n (finished seeds) per group and the missing seeds with their reasons', () => {
    expect(report.trialCount).toBe(13);
    expect(group(CNN3.label)).toMatchObject({
      n: 4,
      seeds: [0, 1, 2, 4],
      missing: [{ seed: 3, reason: STOPPED }],
    });
    expect(group(FC.label)).toMatchObject({
      n: 4,
      seeds: [0, 1, 2, 3],
      missing: [{ seed: 4, reason: FAILED }],
    });
    expect(group(CNN5.label)?.n).toBe(5);
    expect(group(CNN5.label)).not.toHaveProperty('missing');
    expect(report.missingGroups).toEqual([
      {
        groupKey: 'g-rnn',
        label: 'model=rnn',
        missing: [
          { seed: 0, reason: 'not started' },
          { seed: 1, reason: 'not started' },
        ],
      },
    ]);
    expect(report.notes).toEqual(
      expect.arrayContaining([
        `group ${CNN3.label}: 1 seed missing (n = 4 finished) — seed 3 ${STOPPED}`,
        `group ${FC.label}: 1 seed missing (n = 4 finished) — seed 4 ${FAILED}`,
        'group model=rnn: no finished seed (not in the tables or comparisons), 2 seeds missing — seeds 0, 1 not started',
      ]),
    );
  });

  it('pairs each comparison on the complete pairs only, and says which seeds it dropped and why', () => {
    const cnnFc = comparison(CNN3.label, FC.label);
    expect(cnnFc).toMatchObject({ design: 'paired', seeds: [0, 1, 2], nA: 3, nB: 3 });
    expect(cnnFc?.droppedSeeds).toEqual([
      { seed: 3, reason: `seed 3: ${CNN3.label} incomplete (${STOPPED})` },
      { seed: 4, reason: `seed 4: ${FC.label} incomplete (${FAILED})` },
    ]);
    expect(cnnFc?.metrics.finalTestAccuracy?.tTest.df).toBe(2);
    expect(comparison(CNN3.label, CNN5.label)).toMatchObject({
      seeds: [0, 1, 2, 4],
      droppedSeeds: [{ seed: 3, reason: `seed 3: ${CNN3.label} incomplete (${STOPPED})` }],
    });
    expect(comparison(CNN5.label, FC.label)).toMatchObject({
      seeds: [0, 1, 2, 3],
      droppedSeeds: [{ seed: 4, reason: `seed 4: ${FC.label} incomplete (${FAILED})` }],
    });
    expect(report.notes).toContain(
      `comparison ${cnnFc?.name}: paired on 3 complete pairs (seeds 0, 1, 2); ` +
        `dropped seed 3: ${CNN3.label} incomplete (${STOPPED}); seed 4: ${FC.label} incomplete (${FAILED})`,
    );
  });

  it('computes the paired statistics exactly as on the complete pairs alone (Holm aside: other family)', () => {
    const complete = build({ recs: all.filter((r) => r.seed <= 2) });
    const only = complete.comparisons.find((c) => c.a.label === CNN3.label && c.b.label === FC.label);
    const withoutHolm = (c: SweepReport['comparisons'][number] | undefined) =>
      Object.values(c?.metrics ?? {}).map((m) => ({ ...m, tTest: { ...m.tTest, pHolm: null } }));
    expect(withoutHolm(comparison(CNN3.label, FC.label))).toEqual(withoutHolm(only));
    expect(withoutHolm(only)).toHaveLength(3);
  });

  it('shows n and "k missing" in the group table, a header count and the reasons in every format', async () => {
    const text = renderTable(report);
    const lines = text.split('\n');
    expect(lines[2]).toBe(
      'Sweep conv-study (sweep-9) — 13 finished trials in 3 groups, 4 planned trials missing (see Notes)',
    );
    const row = (label: string) => lines.find((l) => l.startsWith(`${label} `)) ?? '';
    expect(row(CNN3.label)).toMatch(/^model=cnn kernel_size=3\s+4 \(1 missing\)\s/);
    expect(row(FC.label)).toMatch(/^model=fc\s+4 \(1 missing\)\s/);
    expect(row(CNN5.label)).toMatch(/^model=cnn kernel_size=5\s+5\s/);
    // Still aligned: header, rule and group rows are equally wide.
    const rule = lines.findIndex((l) => l.startsWith('───'));
    expect(new Set(lines.slice(rule - 1, rule + 4).map((l) => [...l].length)).size).toBe(1);
    for (const note of report.notes) expect(text).toContain(`  - ${note}`);

    const md = renderMarkdown(report);
    expect(md).toContain('13 finished trials in 3 groups, 4 planned trials missing (see Notes)');
    expect(md).toContain(`| ${CNN3.label} | 4 (1 missing) |`);
    expect(md).toContain(`- group ${FC.label}: 1 seed missing (n = 4 finished) — seed 4 ${FAILED}`);

    const html = await renderHtml(report);
    expect(html).toContain('<td class="num">4 (1 missing)</td>');
    expect(html).toContain(
      `<li>group ${CNN3.label}: 1 seed missing (n = 4 finished) — seed 3 ${STOPPED}</li>`,
    );
  });

  it('carries missing per group and droppedSeeds per comparison in the JSON', () => {
    const json = JSON.parse(JSON.stringify(report)) as SweepReport;
    expect(json).toEqual(report);
    expect(json.groups.map((g) => g.missing?.map((m) => m.seed) ?? [])).toEqual([[3], [], [4]]);
    expect(json.comparisons.map((c) => [c.a.label, c.b.label, c.droppedSeeds?.map((d) => d.seed)])).toEqual([
      [CNN3.label, CNN5.label, [3]],
      [CNN3.label, FC.label, [3, 4]],
      [CNN5.label, FC.label, [4]],
    ]);
  });

  it('compared unpaired for want of complete pairs, names the missing seeds it could not use', () => {
    const fc = generateRecords({ variants: [FC], seeds: [10, 11, 12] });
    const cnn = generateRecords({ variants: [CNN3], seeds: [0, 1, 2, 3] });
    const r = build({
      recs: [...fc, ...cnn],
      missing: [{ groupKey: keyOf(CNN3.label), groupLabel: CNN3.label, seed: 4, reason: 'cancelled' }],
    });
    const c = r.comparisons[0];
    expect(c).toMatchObject({
      design: 'unpaired',
      nA: 4,
      nB: 3,
      droppedSeeds: [
        { seed: 4, reason: `seed 4: ${CNN3.label} incomplete (cancelled); no ${FC.label} trial` },
      ],
    });
    expect(r.notes).toContain(
      `comparison ${c?.name}: fewer than 2 complete pairs, compared unpaired (Welch) on every finished seed ` +
        `(n = 4 and 3); not used: seed 4: ${CNN3.label} incomplete (cancelled); no ${FC.label} trial`,
    );
  });
});

describe('the generic report with missing seeds', () => {
  const branin = generateBraninRecords();
  const key = (label: string): string => branin.find((r) => r.groupLabel === label)!.groupKey;

  it('groups seeds sharing a reason, and drops a finished seed without a finite objective from the pairs', () => {
    const broken = branin
      .filter((r) => !(r.groupLabel === BRANIN_SLOW.label && r.seed >= 3))
      .map((r) =>
        r.groupLabel === BRANIN_FAST.label && r.seed === 0
          ? { ...r, result: { ...r.result, final: { ...r.result.final, value: Number.NaN } } }
          : r,
      );
    const r = buildReport({
      sweepName: 'branin',
      sweepId: 'b',
      records: broken,
      objective: BRANIN_OBJECTIVE,
      missing: [3, 4].map((seed) => ({
        groupKey: key(BRANIN_SLOW.label),
        groupLabel: BRANIN_SLOW.label,
        seed,
        reason: 'stopped at epoch 2 by median: 12.1 above the median 9.8 of 5 trials in the group',
      })),
    });
    expect(r.notes).toContain(
      `group ${BRANIN_SLOW.label}: 2 seeds missing (n = 3 finished) — seeds 3, 4 stopped at epoch 2 by median: 12.1 above the median 9.8 of 5 trials in the group`,
    );
    const c = r.comparisons[0];
    expect(c?.seeds).toEqual([1, 2]);
    expect(c?.droppedSeeds?.map((d) => d.reason)).toEqual([
      `seed 0: ${BRANIN_FAST.label} has no value`,
      `seed 3: ${BRANIN_SLOW.label} incomplete (stopped at epoch 2 by median: 12.1 above the median 9.8 of 5 trials in the group)`,
      `seed 4: ${BRANIN_SLOW.label} incomplete (stopped at epoch 2 by median: 12.1 above the median 9.8 of 5 trials in the group)`,
    ]);
    expect(c?.metrics['finalValue']?.meanDifference).not.toBeNull();
    expect(renderTable(r)).toMatch(/^lr=0\.002\s+3 \(2 missing\)\s/m);
  });
});

describe('a report with nothing missing', () => {
  it('is the same with an empty missing list as without one, in every format', async () => {
    const plain = build({ recs: all });
    const empty = build({ recs: all, missing: [] });
    expect(empty).toEqual(plain);
    expect(JSON.stringify(empty)).toBe(JSON.stringify(plain));
    expect(renderTable(empty)).toBe(renderTable(plain));
    expect(renderMarkdown(empty)).toBe(renderMarkdown(plain));
    expect(await renderHtml(empty)).toBe(await renderHtml(plain));
    expect(renderTable(plain).split('\n')[2]).toBe('Sweep conv-study (sweep-9) — 15 trials in 3 groups');
    expect(plain.groups.every((g) => !('missing' in g))).toBe(true);
    expect(plain.comparisons.every((c) => !('droppedSeeds' in c))).toBe(true);
    expect(plain).not.toHaveProperty('missingGroups');
  });

  it('notes a seed only one group has, when the comparison is paired without it', () => {
    const recs = all.filter((r) => !isTrial(FC.label, 4)(r));
    const c = build({ recs }).comparisons.find((x) => x.a.label === CNN3.label && x.b.label === FC.label);
    expect(c?.droppedSeeds).toEqual([{ seed: 4, reason: `seed 4: no ${FC.label} trial` }]);
  });
});
