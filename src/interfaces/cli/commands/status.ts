/**
 * `seedsweep status <sweep-id> [--page N] [--page-size K] [--state S]`: a sweep's state and counts, one
 * page of its trials while it runs (the progress query never answers the whole plan), the summary once
 * it completed.
 */
import type { Command } from 'commander';
import { UserError } from '../../../core/common/errors.js';
import {
  PROGRESS_PAGE_SIZE,
  TrialState,
  type SweepProgress,
  type TrialProgress,
} from '../../../temporal/shared/shared.js';
import { printJson } from '../output.js';
import { sweepArgument } from '../sweep-argument.js';

const STATES = Object.values(TrialState) as string[];

/** `--page`: a whole number ≥ 1. */
export function parsePage(raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isSafeInteger(n) || n < 1)
    throw new UserError('E_BAD_PAGE', `--page must be a whole number ≥ 1; got '${raw}'.`);
  return n;
}

/** `--page-size`: a whole number from 1 to the query's largest page. */
export function parsePageSize(raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isSafeInteger(n) || n < 1 || n > PROGRESS_PAGE_SIZE.max)
    throw new UserError(
      'E_BAD_PAGE_SIZE',
      `--page-size must be a whole number from 1 to ${PROGRESS_PAGE_SIZE.max}; got '${raw}'.`,
    );
  return n;
}

/** `--state`: one of the trial states. */
export function parseState(raw: string): TrialState {
  if (!STATES.includes(raw))
    throw new UserError(
      'E_BAD_STATE',
      `--state '${raw}' is not a trial state; use one of: ${STATES.join(', ')}.`,
    );
  return raw as TrialState;
}

/** Refuses a page past the last one (the answer says how many there are). */
export function checkPageInRange(sweepId: string, progress: SweepProgress): void {
  const { number, pages, size, matching, states } = progress.page;
  if (number <= pages) return;
  const which = states ? ` ${states.join('/')}` : '';
  throw new UserError(
    'E_PAGE_OUT_OF_RANGE',
    `sweep ${sweepId} has ${pages} page${pages === 1 ? '' : 's'} of ${size} (${matching}${which} trials), no page ${number}; pass --page 1 to ${pages}.`,
  );
}

function trialLine(t: TrialProgress): string {
  const what =
    t.state === TrialState.running
      ? `running epoch ${t.epoch ?? 0}/${t.epochs}${(t.attempt ?? 1) > 1 ? ` attempt ${t.attempt}` : ''}`
      : `${t.state}${t.reason !== undefined ? ` (${t.reason})` : ''}`;
  return `  ${t.trialKey.slice(0, 12)} ${t.groupLabel} seed=${t.seed}: ${what}${t.chosenBy !== undefined ? ` — chosen by ${t.chosenBy}` : ''}`;
}

/** The lines for a running sweep's progress: counts, plan note, the page of trials and where it is. */
export function progressLines(p: SweepProgress): string[] {
  const c = p.counts;
  const out = [
    `  ${p.phase}: ${c.finished} finished, ${c.running} running, ${c.pending} pending, ${c.failed} failed, ${c.earlyStopped} stopped early, ${c.cancelled} cancelled, ${c.skipped} already done (of ${c.total})`,
  ];
  if (p.plan !== undefined) out.push(`  plan: ${p.plan}`);
  out.push(...p.trials.map(trialLine));
  const which = p.page.states ? ` ${p.page.states.join('/')}` : '';
  out.push(
    `  page ${p.page.number} of ${p.page.pages} (${p.page.size} per page, ${p.page.matching}${which} trials)`,
  );
  return out;
}

interface StatusFlags {
  json?: boolean;
  page?: number;
  pageSize?: number;
  state?: TrialState;
}

export function register(program: Command): void {
  program
    .command('status')
    .description(
      'Show a sweep: state, counts and a page of its trials; the results summary once it completed.',
    )
    .addArgument(
      sweepArgument('<sweep-id>', "the sweep id printed by 'seedsweep run' (see 'seedsweep list')"),
    )
    .option('--page <n>', 'which page of trials to show (while the sweep runs)', parsePage)
    .option(
      '--page-size <k>',
      `trials per page, 1 to ${PROGRESS_PAGE_SIZE.max} (default ${PROGRESS_PAGE_SIZE.default})`,
      parsePageSize,
    )
    .option('--state <state>', `only trials in this state: ${STATES.join(', ')}`, parseState)
    .option('--json', 'print one JSON document')
    .action(async (sweepId: string, flags: StatusFlags) => {
      const { openTemporalSession } = await import('../../../temporal/client/session.js');
      const { getSweepStatus } = await import('../../../temporal/client/sweeps.js');
      const session = await openTemporalSession();
      try {
        const status = await getSweepStatus({
          client: session.client,
          sweepId,
          progress: {
            ...(flags.page !== undefined ? { page: flags.page } : {}),
            ...(flags.pageSize !== undefined ? { pageSize: flags.pageSize } : {}),
            ...(flags.state !== undefined ? { states: [flags.state] } : {}),
          },
        });
        if (status.progress) checkPageInRange(sweepId, status.progress);
        // The cost estimated at submission (kept in the sweep's memo), against what a completed sweep took.
        const outcome = await import('../../../temporal/client/cost-outcome.js');
        const cost =
          flags.json || status.summary
            ? await outcome.costForStatus({
                client: session.client,
                sweepId,
                sweepName: status.sweepName,
                completed: status.summary !== undefined,
              })
            : undefined;
        if (flags.json)
          return printJson({
            ...status,
            costEstimate: cost?.estimate ? outcome.costEstimateJson(cost.estimate) : null,
            ...(cost?.comparison ? { costComparison: cost.comparison } : {}),
          });
        const out: string[] = [
          `sweep ${status.sweepId} (${status.sweepName}): ${status.status}, started ${status.startTime}${status.closeTime ? `, closed ${status.closeTime}` : ''}`,
        ];
        if (status.progress) out.push(...progressLines(status.progress));
        else if (status.status === 'RUNNING') {
          out.push(
            '  no worker answered the progress query: start one with `seedsweep worker`, or `seedsweep resume` it.',
          );
        }
        if (status.failure) out.push(`  failure: ${status.failure}`);
        process.stdout.write(`${out.join('\n')}\n`);
        if (status.summary) {
          const { summaryText } = await import('../../../temporal/client/print-summary.js');
          process.stdout.write(summaryText(status.summary));
          if (cost?.comparison) process.stdout.write(`${cost.comparison.line}\n`);
        }
      } finally {
        await session.close();
      }
    });
}
