/**
 * Live progress of a sweep for a human: on a terminal, cli-progress bars (overall, then one per running
 * trial with its epoch); elsewhere, one plain line per change (trial started, epoch done, finished,
 * failed). Both read the `progress` query answers they are given, and say which they need (`query`):
 * the counts and the running trials, and for lines the trials settled since the last answer, never
 * the whole plan.
 */
import cliProgress from 'cli-progress';
import {
  PROGRESS_PAGE_SIZE,
  TrialState,
  type ProgressQueryOptions,
  type SweepProgress,
  type TrialProgress,
} from '../shared/shared.js';

export interface ProgressDisplay {
  /** What to ask the `progress` query for the next {@link update}. */
  query(): ProgressQueryOptions;
  update(progress: SweepProgress): void;
  /** Shows one line of its own (above the bars on a terminal). */
  log(line: string): void;
  stop(): void;
}

export interface ProgressDisplayOptions {
  /** Bars on a terminal, lines otherwise. */
  interactive: boolean;
  /** Where lines and bars go. @default process.stderr */
  stream?: NodeJS.WriteStream;
}

/** The running trials: one page of the largest size (more bars than that would not fit a terminal). */
const RUNNING: ProgressQueryOptions = { states: [TrialState.running], pageSize: PROGRESS_PAGE_SIZE.max };

const done = (p: SweepProgress) =>
  p.counts.finished + p.counts.failed + p.counts.skipped + p.counts.earlyStopped + p.counts.cancelled;

function trialLabel(t: TrialProgress): string {
  return `${t.groupLabel} seed=${t.seed}`;
}

/** The last epoch's metrics, as reported (the study's as `test acc … loss …`, the others by name). */
function metricsText(t: TrialProgress): string {
  if (!t.metrics) return '';
  const { epoch: _epoch, testAccuracy, testLoss, ...rest } = t.metrics;
  if (testAccuracy !== undefined && testLoss !== undefined)
    return `test acc ${testAccuracy.toFixed(3)} loss ${testLoss.toFixed(3)}`;
  return Object.entries(rest)
    .slice(0, 3)
    .map(([name, value]) => `${name} ${Number.isInteger(value) ? value : value.toPrecision(4)}`)
    .join('  ');
}

/** Creates the display. */
export function createProgressDisplay(options: ProgressDisplayOptions): ProgressDisplay {
  const stream = options.stream ?? process.stderr;
  return options.interactive ? barsDisplay(stream) : linesDisplay(stream);
}

function barsDisplay(stream: NodeJS.WriteStream): ProgressDisplay {
  const multi = new cliProgress.MultiBar(
    { stream, clearOnComplete: false, hideCursor: true, format: ' {label} |{bar}| {value}/{total} {detail}' },
    cliProgress.Presets.shades_classic,
  );
  let overall: cliProgress.SingleBar | undefined;
  const bars = new Map<string, cliProgress.SingleBar>();
  let stopped = false;
  return {
    query: () => RUNNING,
    update(p) {
      const plan = p.plan !== undefined ? ` plan: ${p.plan}` : '';
      const detail = `running ${p.counts.running}, failed ${p.counts.failed}${p.counts.skipped ? `, skipped ${p.counts.skipped}` : ''} [${p.phase}]${plan}`;
      if (!overall) overall = multi.create(p.counts.total, done(p), { label: 'sweep', detail });
      else overall.update(done(p), { detail });
      const running = new Set<string>();
      for (const t of p.trials) {
        if (t.state !== 'running') continue;
        running.add(t.trialKey);
        const payload = {
          label: trialLabel(t).padEnd(28).slice(0, 28),
          detail: `epoch ${metricsText(t)}${(t.attempt ?? 1) > 1 ? ` (attempt ${t.attempt})` : ''}`,
        };
        const bar = bars.get(t.trialKey);
        if (bar) bar.update(t.epoch ?? 0, payload);
        else bars.set(t.trialKey, multi.create(t.epochs, t.epoch ?? 0, payload));
      }
      for (const [key, bar] of bars) {
        if (!running.has(key)) {
          multi.remove(bar);
          bars.delete(key);
        }
      }
    },
    log(line) {
      // Before the first bar, and after the last redraw, the bars would not print it: write it then.
      if (overall && !stopped) multi.log(`${line}\n`);
      else stream.write(`${line}\n`);
    },
    stop() {
      stopped = true;
      multi.stop();
    },
  };
}

function linesDisplay(stream: NodeJS.WriteStream): ProgressDisplay {
  const seen = new Map<string, string>();
  let lastOverall = '';
  let lastPlan: string | undefined;
  // Where the run's settle log was read up to; the log restarts when the sweep continues as new.
  let settledSince = 0;
  let run: number | undefined;
  return {
    query: () => ({ ...RUNNING, settledSince }),
    update(p) {
      // Adaptive sweeps: why the plan grew (or stopped growing), once per change.
      if (p.plan !== undefined && p.plan !== lastPlan) stream.write(`plan: ${p.plan}\n`);
      lastPlan = p.plan;
      const sameRun = run === undefined || run === p.continuedRuns;
      run = p.continuedRuns;
      settledSince = sameRun ? (p.settled?.next ?? settledSince) : 0;
      const settled = sameRun ? (p.settled?.trials ?? []) : [];
      for (const t of [...settled, ...p.trials]) {
        const state = t.state === 'running' ? `running epoch ${t.epoch ?? 0}/${t.epochs}` : t.state;
        if (t.state === 'pending' || t.state === 'skipped' || seen.get(t.trialKey) === state) continue;
        const first = !seen.has(t.trialKey);
        seen.set(t.trialKey, state);
        const chosen = first && t.chosenBy !== undefined ? ` (chosen by ${t.chosenBy})` : '';
        const extra = (t.state === 'running' ? metricsText(t) : (t.reason ?? '')) + chosen;
        stream.write(
          `trial ${t.trialKey.slice(0, 12)} ${trialLabel(t)}: ${state}${extra ? ` ${extra}` : ''}\n`,
        );
      }
      const overall = `sweep ${p.sweepId}: ${done(p)}/${p.counts.total} done (finished ${p.counts.finished}, failed ${p.counts.failed}, skipped ${p.counts.skipped}), running ${p.counts.running} [${p.phase}]`;
      if (overall !== lastOverall) stream.write(`${overall}\n`);
      lastOverall = overall;
    },
    log(line) {
      stream.write(`${line}\n`);
    },
    stop() {},
  };
}
