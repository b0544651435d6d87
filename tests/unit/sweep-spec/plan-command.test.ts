/** `seedsweep plan`: the summary and text are built from the expansion; the command runs without servers. */
import { Command } from 'commander';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  formatPlan,
  KEY_PREFIX_LENGTH,
  register,
  summarizePlan,
} from '../../../src/interfaces/cli/commands/plan.js';
import type { PlanSummary } from '../../../src/interfaces/cli/commands/plan.js';
import { PACKAGE_ROOT } from '../../../src/core/common/paths.js';
import { expandSweep } from '../../../src/sweep-spec/expand.js';
import { loadSweepSpec, parseSweepSpec } from '../../../src/sweep-spec/load.js';

const KERNEL = path.join(PACKAGE_ROOT, 'sweeps', 'tests', 'tiny-kernel-size.yaml');

async function summary(file: string): Promise<PlanSummary> {
  const spec = await loadSweepSpec(file);
  const trials = expandSweep({ spec, datasetFingerprint: 'f'.repeat(64) });
  return summarizePlan({ spec, file, trials, datasetFingerprint: 'f'.repeat(64) });
}

describe('plan summary', () => {
  it('counts groups and trials, names the varying factor and confirms a controlled spec', async () => {
    const s = await summary(KERNEL);
    expect(s).toMatchObject({
      sweep: 'tiny-kernel-size',
      groupCount: 2,
      trialCount: 4,
      varyingFactors: ['kernel_size'],
      controlledFactor: 'kernel_size',
    });
    expect(s.groups.map((g) => [g.label, g.trials])).toEqual([
      ['kernel_size=3', 2],
      ['kernel_size=5', 2],
    ]);
    const text = formatPlan(s);
    expect(text).toContain('2 group(s) × 2 seed(s) = 4 trial(s)');
    expect(text).toContain('controlled: exactly one factor varies: kernel_size');
    expect(text).toMatch(/GROUP\s+SEED\s+TRIAL KEY\s+QUEUE/);
    for (const trial of s.trials) expect(text).toContain(trial.trialKey.slice(0, KEY_PREFIX_LENGTH));
    expect(text).toContain('kernel_size=5 vs kernel_size=3: kernel_size=5  vs  kernel_size=3');
  });

  it('does not claim control for an uncontrolled spec', async () => {
    const s = await summary(path.join(PACKAGE_ROOT, 'sweeps', 'tests', 'tiny.yaml'));
    expect(s.controlledFactor).toBeUndefined();
    expect(formatPlan(s)).not.toContain('controlled:');
  });
});

describe('plan of a warm start and of seed sources', () => {
  it('says which configurations come first and which sweeps the sampler starts from', async () => {
    const text = formatPlan(
      await summary(path.join(PACKAGE_ROOT, 'tests', 'fixtures', 'search', 'tiny-warm.yaml')),
    );
    expect(text).toContain(
      'warm start: 2 listed configuration(s) first, then from the finished trials of tiny-warm-earlier (read when the sweep is submitted)',
    );
  });

  it('says which sources vary and, for a factorial design, its cells', () => {
    const plan = (sources: string) => {
      const spec = parseSweepSpec({
        file: 's.yaml',
        text: `name: s\ndataset: { name: synthetic, train_size: 64, test_size: 32 }\ntrain: { epochs: 1 }\nvariants: { grid: { model: [fc] } }\nseeds: [0, 1, 2]\nseed_sources: ${sources}\n`,
      });
      const trials = expandSweep({ spec, datasetFingerprint: 'f'.repeat(64) });
      return formatPlan(summarizePlan({ spec, file: 's.yaml', trials, datasetFingerprint: 'f'.repeat(64) }));
    };
    expect(plan('{ vary: [init, data_order], design: factorial }')).toContain(
      'seed sources: factorial init × data_order over levels 0, 1, 2: 9 cells per group, each trial seed a cell (the others fixed at 0)',
    );
    expect(plan('{ vary: [dropout], fixed: 7 }')).toContain(
      'seed sources: dropout takes the trial seed, the others fixed at 7',
    );
  });
});

describe('seedsweep plan', () => {
  afterEach(() => vi.restoreAllMocks());

  async function run(args: string[]): Promise<string> {
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    const program = new Command().exitOverride();
    register(program);
    await program.parseAsync(['node', 'seedsweep', 'plan', ...args]);
    return out;
  }

  it('prints the plan of a spec file using the real dataset fingerprint', async () => {
    const text = await run([KERNEL]);
    expect(text).toContain('sweep tiny-kernel-size');
    expect(text).toContain('controlled: exactly one factor varies: kernel_size');
  });

  it('--json prints one document whose keys match the expansion; --set overrides the spec', async () => {
    const doc = JSON.parse(await run([KERNEL, '--json', '--set', 'seeds=[0, 1, 2]'])) as PlanSummary;
    expect(doc.trialCount).toBe(6);
    expect(doc.datasetFingerprint).toMatch(/^[0-9a-f]{16,}$/);
    const spec = await loadSweepSpec(KERNEL, { overrides: ['seeds=[0, 1, 2]'] });
    const keys = expandSweep({ spec, datasetFingerprint: doc.datasetFingerprint }).map((t) => t.trialKey);
    expect(doc.trials.map((t) => t.trialKey)).toEqual(keys);
  });

  it('an invalid spec fails with E_SPEC_INVALID before touching the dataset', async () => {
    await expect(run([KERNEL, '--set', 'variants.grid.kernel_size=[3, 3]'])).rejects.toMatchObject({
      code: 'E_SPEC_INVALID',
    });
  });
});
