/**
 * `seedsweep compare <sweepA> <sweepB>`: does a rerun (another machine, version or backend) reproduce?
 * Trials are matched on equal trial keys; the comparison itself is src/reporting/results/compare.ts.
 */
import type { Command } from 'commander';
import type { SweepComparison } from '../../../reporting/results/compare.js';
import type { SweepLookup } from '../../../temporal/client/sweep-records.js';
import { CommandVerdict } from '../output.js';
import { sweepArgument } from '../sweep-argument.js';

export interface CompareFlags {
  metric?: string;
  json?: boolean;
}

/** Compares the sweeps `refA` and `refB` and prints the result (one JSON document with `--json`). */
export async function runCompare(options: {
  refA: string;
  refB: string;
  flags: CompareFlags;
  lookup: SweepLookup;
  /** @default writes to process.stdout */
  stdout?: (text: string) => void;
}): Promise<SweepComparison> {
  const { compareSweeps, renderComparison } = await import('../../../reporting/results/compare.js');
  const { loadSweep, requireRecords } = await import('../../../temporal/client/sweep-records.js');
  const stdout = options.stdout ?? ((text: string) => void process.stdout.write(text));
  const a = await loadSweep(options.lookup, options.refA);
  const b = await loadSweep(options.lookup, options.refB);
  const comparison = compareSweeps({
    a: requireRecords(a, 'E_COMPARE_NO_TRIALS'),
    b: requireRecords(b, 'E_COMPARE_NO_TRIALS'),
    nameA: a.sweepId ?? a.ref,
    nameB: b.sweepId ?? b.ref,
    ...(options.flags.metric !== undefined ? { metric: options.flags.metric } : {}),
  });
  stdout(
    options.flags.json ? `${JSON.stringify(comparison, null, 2)}\n` : `${renderComparison(comparison)}\n`,
  );
  return comparison;
}

/** Exit status 1 (after the comparison was printed) when a compared trial differs; see `--help`. */
export function throwUnlessReproduced(comparison: SweepComparison): void {
  if (comparison.reproduced) return;
  throw new CommandVerdict(
    1,
    `${comparison.compared - comparison.identical} of ${comparison.compared} compared trials differ`,
  );
}

export function register(program: Command): void {
  program
    .command('compare')
    .description(
      'Check that a rerun reproduces: match the trials of two sweeps with equal trial keys (same config, seed and data) ' +
        'and show the trials only one has, how many came out bit-identical, the largest |Δ| of every final and per-epoch ' +
        'metric, and per group the mean of one metric in each sweep with the paired difference over shared seeds (paired t 95 % CI).',
    )
    .addArgument(sweepArgument('<sweepA>', "a sweep id (see 'seedsweep list') or a sweep name"))
    .addArgument(sweepArgument('<sweepB>', 'the sweep to compare it with (Δ = A − B)'))
    .option(
      '--metric <name>',
      'metric of the per-group comparison (default testAccuracy if reported, else the first metric)',
    )
    .option('--json', 'print one JSON document')
    .addHelpText(
      'after',
      '\nExit status: 0 when every trial key both sweeps finished (in different runs) gave bit-identical results,\n' +
        '1 when any of them differs (`reproduced: false` in --json), 2 for a user error (an unknown sweep, no trial\n' +
        'key in common, or only results one sweep reused from the other). Trials only one sweep has are listed\n' +
        'but do not change the status: they were not rerun, so they say nothing about reproduction.',
    )
    .action(async (refA: string, refB: string, flags: CompareFlags) => {
      const { withSweepLookup } = await import('../../../temporal/client/sweep-records.js');
      const comparison = await withSweepLookup((lookup) => runCompare({ refA, refB, flags, lookup }));
      throwUnlessReproduced(comparison);
    });
}
