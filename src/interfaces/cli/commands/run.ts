/** `seedsweep run <spec>`: validate, plan and submit a sweep; unless --detach, also work on it and show progress. */
import type { Command } from 'commander';
import { userPath } from '../../../core/common/safe-names.js';
import { info, printJson, withEmbeddedServersNotice } from '../output.js';

interface RunFlags {
  detach?: boolean;
  json?: boolean;
  threads?: string;
  set: string[];
  dataPath?: string;
  reuse?: boolean;
}

export function register(program: Command): void {
  program
    .command('run')
    .description(
      'Run a sweep: submit it to Temporal and (unless --detach) train in this process while showing progress.',
    )
    .argument('<spec>', 'sweep spec YAML file, or the name of a shipped sweep (e.g. quickstart)')
    .option('--detach', 'submit and return at once; workers (seedsweep worker) do the training')
    .option('--json', 'print one JSON document (the sweep id, or the summary when not detached)')
    .option('--threads <n>', 'training threads of the in-process worker (default: CPU cores)')
    .option(
      '--set <path=value>',
      'override a spec field, e.g. --set seeds={count: 5} (repeatable)',
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option('--data-path <path>', 'CIFAR-10 archive or extracted folder (same as --set dataset.path=<path>)')
    .option(
      '--no-reuse',
      'train trials again even when a sweep of another name finished the same trial key (same as --set reuse=false)',
    )
    .action((specFile: string, flags: RunFlags) =>
      withEmbeddedServersNotice(async () => {
        // Production mode before the spec's user code (trainable, dataset plug-in) makes tensors: no TF.js banner.
        await import('../../../training/backends/tfjs.js');
        const { followSweep, parseThreadsFlag } = await import('../follow-sweep.js');
        const { reconnectMinutesFromEnv } = await import('../../../temporal/workers/reconnect-window.js');
        const { loadSweepSpec } = await import('../../../sweep-spec/load.js');
        const { fingerprintDataset } = await import('../../../datasets/plugins.js');
        const { expandSweep } = await import('../../../sweep-spec/expand.js');
        const { openTemporalSession } = await import('../../../temporal/client/session.js');
        const { submitSweep } = await import('../../../temporal/client/sweeps.js');
        const { checkTrackingServer } = await import('../../setup/tracking-check.js');
        const threads = parseThreadsFlag(flags.threads);
        if (flags.dataPath !== undefined) userPath(flags.dataPath, '--data-path');
        // The attached worker's reconnect window: a bad value fails here, before anything is submitted.
        if (!flags.detach) reconnectMinutesFromEnv();
        const overrides = [
          ...flags.set,
          ...(flags.dataPath === undefined ? [] : [`dataset.path=${JSON.stringify(flags.dataPath)}`]),
          ...(flags.reuse === false ? ['reuse=false'] : []),
        ];
        const spec = await loadSweepSpec(specFile, { overrides });
        const fingerprint = await fingerprintDataset(spec.dataset);
        const planned = expandSweep({ spec, datasetFingerprint: fingerprint }).length;
        // A tracking server the trials' results could never reach fails now, not after training.
        await checkTrackingServer({ sweepName: spec.name });
        // A warm start's earlier sweeps are read now, so the workflow's input (and its replay) holds them.
        const { warmStartAtSubmission } = await import('../../../temporal/client/warm-start.js');
        const warm = await warmStartAtSubmission({ spec, specFile, overrides });
        if (!flags.json) for (const line of warm?.lines ?? []) info(line);
        // The cost estimate (from a tracking server already running): shown now, kept in the sweep's memo.
        const { costEstimateJson, submissionEstimate } =
          await import('../../../temporal/client/cost-outcome.js');
        const cost = await submissionEstimate({
          spec,
          datasetFingerprint: fingerprint,
          ...(threads !== undefined ? { threads } : {}),
        });
        if (!flags.json && cost.line !== undefined) info(cost.line);
        // --json: the same as fields (null: no estimate was made); docs/sweep-spec.md lists them.
        const { warmStartJson } = await import('../../../temporal/client/warm-start.js');
        const warmJson = warmStartJson(spec, warm);
        const jsonFields = {
          ...(warmJson ? { warmStart: warmJson } : {}),
          costEstimate: cost.stored ? costEstimateJson(cost.stored) : null,
        };
        const session = await openTemporalSession();
        try {
          const submittedAt = Date.now();
          const { sweepId, runId } = await submitSweep({
            client: session.client,
            spec,
            datasetFingerprint: fingerprint,
            ...(warm ? { warmStart: warm.history } : {}),
            ...(cost.stored ? { costEstimate: cost.stored } : {}),
          });
          if (!flags.json)
            info(
              `sweep ${sweepId}: ${planned} trial(s) planned; Temporal ${session.settings.address}${session.settings.embedded ? ' (local dev server)' : ''}`,
            );
          if (flags.detach) {
            if (flags.json) printJson({ sweepId, runId, trials: planned, ...jsonFields });
            else
              info(`submitted; follow it with 'seedsweep status ${sweepId}' (workers: 'seedsweep worker').`);
            return;
          }
          await followSweep({
            session,
            sweepId,
            ...(threads !== undefined ? { threads } : {}),
            ...(flags.json ? { json: true, extra: warmJson ? { warmStart: warmJson } : {} } : {}),
            cost: { sweepName: spec.name, submittedAt, ...(cost.stored ? { estimate: cost.stored } : {}) },
          });
        } finally {
          await session.close();
        }
      }),
    );
}
