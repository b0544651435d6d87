/**
 * What users are told to run, run as they run it (issue 16): every ```sh block of README.md and every
 * example that examples/README.md tells users to run, each with `bash -e` at the repo root, on the
 * backend that automatic selection picks (SEEDSWEEP_BACKEND removed from the environment: after
 * `bash scripts/setup.sh` that is the native `tensorflow`), against the integration setup's Temporal and
 * MLflow servers (shared: starting the embedded ones per block would cost ~15 s each; their start-up is
 * tested in tests/integration/services/) with a state folder of this file's own.
 *
 * Each run must exit 0: a signal fails it with the signal's name (the crash this file was written for
 * printed the whole report and summary, then died with SIGSEGV, exit status 139). Each must print what
 * it prints on success (a sweep's summary line with `0 failed`, …), and each sweep it ran must have
 * trained trials of its own on the automatic backend (a run that only reused finished trials starts no
 * training thread, so it could not show such a crash).
 *
 * A README block that cannot run here is skipped only through SKIPPED_BLOCKS, keyed by a distinctive
 * line of the block, with its reason; a block neither run nor listed fails, and so does an entry whose
 * block is gone. The same holds for the examples (SKIPPED_EXAMPLES) and for the few commands run with
 * extra `--set` arguments to fit the time budget (CHEAPER, each with its reason; the runs say so).
 */
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../src/core/common/paths.js';
import { nativeBuildStatus } from '../../../src/training/backends/native-probe.js';
import { createTracker } from '../../../src/tracking/index.js';
import type { Tracker } from '../../../src/tracking/types.js';
import { connect } from '../temporal/harness.js';
import { commandLines, shellBlocks, tableCommands, type ShellBlock } from './shell-blocks.js';

/** README blocks that cannot run here, by a line that only that block has. */
const SKIPPED_BLOCKS: { line: string; reason: string }[] = [
  {
    line: 'bash scripts/setup.sh && npm test',
    reason:
      'the set-up itself (npm ci would replace node_modules under the running suite) and `npm test`, which ' +
      "would run this file inside itself; its quickstart run is the 'What a sweep run looks like' block",
  },
  {
    line: 'npx seedsweep run sweeps/cifar10-study.yaml --data-path $D',
    reason:
      'the CIFAR-10 study: three sweeps of 10,000-image slices × 5 epochs (minutes each on native, tens of ' +
      'minutes on wasm) and `serve --best`, which serves until stopped; the study trainer runs in the quickstart block',
  },
  {
    line: 'npx seedsweep serve --best <sweep-id> &',
    reason:
      'starts a server that runs until killed on the fixed port 8080 and curls it at once (no wait for /ping), ' +
      'and needs a cat.png and an MLflow run id that it does not make: as written it cannot pass; ' +
      'serve and package run in tests/integration/serving/',
  },
  {
    line: 'export TEMPORAL_ADDRESS=temporal.example.internal:7233 TEMPORAL_NAMESPACE=research',
    reason:
      'a real remote cluster and a GPU host; scripts/cluster.sh and `npm run chaos` try scale-out locally',
  },
  {
    line: 'npm run test:unit',
    reason: 'set-up, the whole test suite (this file included), lint and benchmarks of minutes each',
  },
];

/**
 * What this file must never run, whatever README says: a block with one of these fails before it runs,
 * asking for an entry in SKIPPED_BLOCKS (they would rebuild the tree under the running suite, run the
 * suite inside itself, or need root).
 */
const NEVER_RUN: { pattern: RegExp; why: string }[] = [
  { pattern: /\bscripts\/setup\.sh\b/, why: 'the set-up (npm ci, PyPI, apt, build) under the running suite' },
  {
    pattern: /\bnpm (ci|install|i|test|t)\b|\bnpm run (test|bench|chaos)/,
    why: 'installs, tests or benchmarks',
  },
  { pattern: /\bvitest\b/, why: 'the test runner inside itself' },
  { pattern: /\b(apt-get|apt|sudo)\s/, why: 'system packages' },
];

/** Example commands (examples/README.md) that cannot run here, by a part of the command. */
const SKIPPED_EXAMPLES: { command: string; reason: string }[] = [
  {
    command: 'npx tsx examples/cifar10-study/run.ts',
    reason:
      'the whole study on CIFAR-10 (15 trials of 10,000 images × 5 epochs: minutes on native, ~10 min on ' +
      'wasm), beyond this file’s budget; its trainer, the study classifier, runs in the quickstart block',
  },
];

/**
 * Commands (a README block's line, or an examples/README.md command) run with extra arguments to fit
 * this file's ~3-minute budget, each with its reason; the code path is the one users take, with fewer
 * trials or epochs.
 */
const CHEAPER: { command: string; args: string; reason: string }[] = [
  {
    command: 'npx seedsweep run examples/adaptive/tpe-asha.yaml',
    args: '--set variants.sampler.trials=12',
    reason: '30 configurations × up to 27 epochs take ~26 s; 12 still sample with TPE and stop with ASHA',
  },
  {
    command: 'npx seedsweep run examples/branin/sweep.yaml',
    args: '--set variants.random.samples=10',
    reason:
      'the first 10 of its 40 random points (20 trials); `npx tsx examples/branin/run.ts`, run after it ' +
      'unchanged, trains the other 60 in its own process, so both ways train',
  },
  {
    command: 'npx seedsweep run examples/hartmann6/sweep.yaml',
    args: '--set variants.random.samples=5',
    reason: "120 trials take ~55 s; 10 take the same path (branin's kind of trainable, random search)",
  },
  {
    command: 'npx seedsweep run examples/mlp-digits/sweep.yaml',
    args: '--set train.epochs=1',
    reason: '12 trials × 3 epochs take ~30 s; 1 epoch each trains and checkpoints the same way',
  },
  {
    command: 'npx seedsweep run examples/fit-callback/sweep.yaml',
    args: '--set train.epochs=1',
    reason:
      '12 trials × 3 epochs of model.fit take ~30–55 s; 1 epoch each goes through the callback the same way',
  },
];

/** `line` (a block's or a table's command) as this file runs it: with its CHEAPER arguments, if any. */
function cheaperLine(line: string): { line: string; note?: string } {
  const command = line.replace(/\s+#.*$/, '').trim();
  const entry = CHEAPER.find((c) => c.command === command);
  return entry ? { line: `${command} ${entry.args}`, note: `${entry.args}: ${entry.reason}` } : { line };
}

/** A sweep id as `seedsweep` makes them: `<name slug>-<spec hash>-<UTC time>` (also an ERE, for grep -E). */
const SWEEP_ID = '[a-z0-9._-]+-[0-9a-f]{8}-[0-9]{8}T[0-9]{6}Z';
/** What `seedsweep run` / `resume` / `status` print for a sweep that completed with no failure. */
const SUMMARY = new RegExp(
  String.raw`^sweep (${SWEEP_ID}) completed: (\d+) trained, (\d+) already done, 0 failed(?:, (\d+) stopped early)? \(of (\d+)\)$`,
  'gm',
);

/** Where `seedsweep report --format html` says it wrote the report. */
const HTML_REPORT = /^report \(html\): (\S+report\.html)$/gm;

/**
 * What each kind of command prints on success; the first group tells its runs apart (a sweep id where
 * `ranSweep`: a sweep that must have trained on the automatic backend).
 */
const PRINTS_ON_SUCCESS: { command: RegExp; prints: RegExp; what: string; ranSweep?: true }[] = [
  {
    command: /^npx seedsweep (run|resume) (?!.*--detach)/,
    prints: SUMMARY,
    what: "the sweep's summary line",
    ranSweep: true,
  },
  {
    command: /^npx seedsweep run .*--detach/,
    prints: new RegExp(String.raw`^submitted; follow it with 'seedsweep status (${SWEEP_ID})'`, 'gm'),
    what: 'the submitted line',
  },
  {
    command: /^npx seedsweep plan /,
    prints: /^sweep (\S+) \(.+\): \d+ group\(s\) × \d+ seed\(s\) = \d+ trial\(s\)$/gm,
    what: 'the plan headline',
  },
  {
    command: /^npx seedsweep status /,
    prints: new RegExp(String.raw`^sweep (${SWEEP_ID}) \(.+\): COMPLETED`, 'gm'),
    what: 'the COMPLETED status',
  },
  { command: /^npx seedsweep report .*--format html/, prints: HTML_REPORT, what: 'where the HTML report is' },
  {
    command: /^npx tsx examples\/[^/]+\/run\.ts/,
    prints: new RegExp(String.raw`^Sweep \S+ \((${SWEEP_ID})\) — \d+ trials`, 'gm'),
    what: "the report's headline",
    ranSweep: true,
  },
];

/** This package's own commands (package.json `bin`): what `npx <name>` runs inside the checkout. */
const OWN_BINS = (
  JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> }
).bin;

/** Folders at the repo root that blocks make (`my-sweep/`; `reports/` by `seedsweep report`). */
const ROOT_OUTPUTS = ['my-sweep', 'reports'];

const readmeBlocks = shellBlocks(readFileSync(path.join(PACKAGE_ROOT, 'README.md'), 'utf8'));
const exampleCommands = tableCommands(readFileSync(path.join(PACKAGE_ROOT, 'examples', 'README.md'), 'utf8'));

/** A block's lines as compared with SKIPPED_BLOCKS: trimmed, without a trailing `# comment`. */
const blockLines = (block: ShellBlock) => block.text.split('\n').map((l) => l.replace(/\s+#.*$/, '').trim());
const skipOf = (block: ShellBlock) => SKIPPED_BLOCKS.find((s) => blockLines(block).includes(s.line));
const blockName = (block: ShellBlock) => `README.md:${block.line} (${block.section})`;

/** SKIPPED_BLOCKS entries that do not name exactly one block: while there are any, no block runs. */
const skipProblems = SKIPPED_BLOCKS.flatMap((entry) => {
  const n = readmeBlocks.filter((b) => blockLines(b).includes(entry.line)).length;
  return n === 1 ? [] : [`SKIPPED_BLOCKS '${entry.line}': README.md has ${n} blocks with that line`];
});

/** Entries of the other lists that no longer name a command of the docs. */
const listProblems = [
  ...skipProblems,
  ...SKIPPED_EXAMPLES.flatMap((entry) =>
    exampleCommands.some((c) => c.includes(entry.command))
      ? []
      : [`SKIPPED_EXAMPLES '${entry.command}': examples/README.md no longer has it`],
  ),
  ...CHEAPER.flatMap((entry) =>
    [...readmeBlocks.flatMap((b) => blockLines(b)), ...exampleCommands].includes(entry.command)
      ? []
      : [`CHEAPER '${entry.command}': neither README.md nor examples/README.md has it`],
  ),
];

/** One thing to run: a README block or an example command, as a bash script. */
interface Run {
  /** Which test file runs it (the two run side by side: README blocks, example commands). */
  part: 'readme' | 'examples';
  name: string;
  script: string;
  /** How it differs from what the docs say, if at all. */
  note?: string;
}

const runs: Run[] = [
  ...readmeBlocks
    .filter((block) => skipOf(block) === undefined)
    .map((block) => {
      const lines = block.text.split('\n').map(cheaperLine);
      const notes = lines.flatMap((l) => (l.note ? [l.note] : []));
      // `<sweep-id>` is the sweep the block itself ran first (its `run` prints `sweep <id>: …` at once).
      if (block.text.includes('<sweep-id>')) notes.push('<sweep-id> = the sweep its first run started');
      return {
        part: 'readme' as const,
        name: blockName(block),
        script: lines
          .map((l) => l.line)
          .join('\n')
          .replaceAll('<sweep-id>', '"$(first_sweep_id)"'),
        ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
      };
    }),
  ...exampleCommands
    .filter((command) => !SKIPPED_EXAMPLES.some((s) => command.includes(s.command)))
    .map((command) => {
      const { line, note } = cheaperLine(command);
      return {
        part: 'examples' as const,
        name: `examples/README.md: ${command}`,
        script: line,
        ...(note ? { note } : {}),
      };
    }),
];

/** The backend automatic selection must pick here, and why. */
function autoBackend(): { name: string; why: string } {
  const gpu = nativeBuildStatus('tensorflow-gpu');
  if (gpu.built) return { name: 'tensorflow-gpu', why: `its binding is built (${gpu.bindingPath})` };
  const cpu = nativeBuildStatus('tensorflow');
  if (cpu.built) return { name: 'tensorflow', why: `its binding is built (${cpu.bindingPath})` };
  return { name: 'wasm', why: `the native backend is not: ${cpu.reason}` };
}
const expected = autoBackend();

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  output: string;
  seconds: number;
}

/** How a run ended, in words; a bash exit status above 128 is its last command's signal. */
function ending(o: Outcome): string {
  if (o.timedOut) return `no end within the time limit (killed after ${o.seconds.toFixed(0)} s)`;
  if (o.signal !== null) return `bash killed by ${o.signal}`;
  if (o.code !== null && o.code > 128) {
    const name = Object.entries(os.constants.signals).find(([, n]) => n === o.code! - 128)?.[0];
    return `a command killed by ${name ?? `signal ${o.code - 128}`} (exit status ${o.code})`;
  }
  return `exit status ${String(o.code)}`;
}

const tail = (text: string, lines = 40) => text.trimEnd().split('\n').slice(-lines).join('\n');

/**
 * Registers one file's half of the runs: README.md's blocks (with the checks that every block and example
 * is run or listed), or examples/README.md's commands. Two files so that vitest runs them side by side.
 */
export function describeRuns(part: 'readme' | 'examples'): void {
  let workDir = '';
  let childEnv: NodeJS.ProcessEnv = {};
  let tracker: Tracker;
  let connection: NativeConnection;
  let client: Client;
  /** Entries of ROOT_OUTPUTS before this file ran (undefined: absent), to remove only what blocks made. */
  const rootBefore = new Map<string, Set<string> | undefined>();
  const report: string[] = [];

  beforeAll(async () => {
    workDir = mkdtempSync(path.join(inject('integrationDir'), `${part}-`));
    childEnv = {
      ...process.env,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      MLFLOW_TRACKING_URI: inject('mlflowUri'),
      SEEDSWEEP_STATE_DIR: path.join(workDir, 'state'),
    };
    for (const name of [
      'SEEDSWEEP_BACKEND',
      'SEEDSWEEP_CHECKPOINT_DIR',
      'SEEDSWEEP_MODEL_DIR',
      'SEEDSWEEP_WORKFLOW_BUNDLE',
    ])
      delete childEnv[name];
    for (const name of ROOT_OUTPUTS) {
      const dir = path.join(PACKAGE_ROOT, name);
      rootBefore.set(name, existsSync(dir) ? new Set(readdirSync(dir)) : undefined);
    }
    process.env['MLFLOW_TRACKING_URI'] = inject('mlflowUri');
    tracker = await createTracker({ stateDir: path.join(workDir, 'tracker') });
    ({ connection, client } = await connect());
    console.log(
      `README and examples run on the backend automatic selection picks: ${expected.name} (${expected.why})`,
    );
  });

  afterAll(async () => {
    for (const [name, before] of rootBefore) {
      const dir = path.join(PACKAGE_ROOT, name);
      if (!existsSync(dir)) continue;
      if (before === undefined) rmSync(dir, { recursive: true, force: true });
      else
        for (const entry of readdirSync(dir))
          if (!before.has(entry)) rmSync(path.join(dir, entry), { recursive: true, force: true });
    }
    await connection?.close();
    console.log(
      `${part === 'readme' ? 'README blocks' : 'examples'}, on ${expected.name}:\n${report.join('\n')}`,
    );
  });

  /** Runs `script` with `bash -e` at the repo root, all output to one file that the script can read. */
  async function runScript(name: string, script: string, timeoutMs: number): Promise<Outcome> {
    const stem = name.replace(/[^a-zA-Z0-9]+/g, '-').slice(0, 60);
    const file = path.join(workDir, `${stem}.sh`);
    const log = path.join(workDir, `${stem}.log`);
    writeFileSync(
      file,
      [
        '# The first sweep id this script printed (`seedsweep run` says `sweep <id>: …` on submitting).',
        'first_sweep_id() {',
        `  grep -m1 -oE '^sweep ${SWEEP_ID}' "$SEEDSWEEP_TEST_OUTPUT" | cut -d' ' -f2 | grep . ||`,
        "    echo 'readme-blocks test: no sweep id printed before <sweep-id>' >&2",
        '}',
        // `npx <tool>` inside this checkout runs what npx resolves it to, without npm's own start-up
        // (~1.6–2.5 s of CPU a call here, ~35 calls per run): this package's own bin (`npx seedsweep`,
        // which npm exec links from the package root) or the tool's node_modules/.bin link.
        'npx() {',
        `  case "$PWD/" in ${JSON.stringify(`${PACKAGE_ROOT}/`)}*)`,
        ...Object.entries(OWN_BINS).map(
          ([name, file]) =>
            `    if [ "$1" = ${JSON.stringify(name)} ]; then shift; node ${JSON.stringify(path.join(PACKAGE_ROOT, file))} "$@"; return; fi`,
        ),
        `    if [ -x ${JSON.stringify(path.join(PACKAGE_ROOT, 'node_modules', '.bin'))}/"$1" ]; then`,
        `      local tool=$1; shift; ${JSON.stringify(path.join(PACKAGE_ROOT, 'node_modules', '.bin'))}/"$tool" "$@"; return; fi;;`,
        '  esac',
        '  command npx "$@"',
        '}',
        script,
        '',
      ].join('\n'),
    );
    const fd = openSync(log, 'w');
    const started = Date.now();
    const child = spawn('bash', ['-e', file], {
      cwd: PACKAGE_ROOT,
      env: { ...childEnv, SEEDSWEEP_TEST_OUTPUT: log },
      stdio: ['ignore', fd, fd],
      detached: true, // its own process group, to end whatever it left behind
    });
    closeSync(fd);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      process.kill(-child.pid!, 'SIGKILL');
    }, timeoutMs);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.once('exit', (c, s) => resolve([c, s])),
    );
    clearTimeout(timer);
    try {
      process.kill(-child.pid!, 'SIGKILL'); // anything the script started in the background
    } catch {
      // The group is gone: nothing was left behind.
    }
    return {
      code,
      signal,
      timedOut,
      output: readFileSync(log, 'utf8'),
      seconds: (Date.now() - started) / 1000,
    };
  }

  /** Ends sweeps a script left running (`run --detach` with no worker), so later suites' workers do not get them. */
  async function terminateLeftovers(output: string): Promise<string[]> {
    const ids = new Set([...output.matchAll(new RegExp(`^sweep (${SWEEP_ID}):`, 'gm'))].map((m) => m[1]!));
    const ended: string[] = [];
    for (const id of ids) {
      const handle = client.workflow.getHandle(id);
      if ((await handle.describe()).status.name !== 'RUNNING') continue;
      await handle.terminate('readme-blocks test: left running by a detached run');
      ended.push(id);
    }
    return ended;
  }

  if (part === 'readme')
    describe('every README block and example is run or listed with a reason', () => {
      it('each README shell block is run or in SKIPPED_BLOCKS, and each entry names a block that exists', () => {
        expect(readmeBlocks.length).toBeGreaterThan(0);
        expect(listProblems).toEqual([]);
        for (const block of readmeBlocks) {
          const commands = commandLines(block.text);
          // A placeholder the test cannot fill would make the block fail for the wrong reason.
          const unknown = commands.flatMap((c) => [...c.matchAll(/<[a-z][a-z-]*>/g)].map((m) => m[0]));
          if (skipOf(block) === undefined)
            expect(
              unknown.filter((p) => p !== '<sweep-id>'),
              `${blockName(block)}: placeholders`,
            ).toEqual([]);
        }
      });

      it('each examples/*/*.yaml and examples/*/run.ts is run by a README block or an examples/README.md command, or listed', () => {
        const dir = path.join(PACKAGE_ROOT, 'examples');
        const files = readdirSync(dir, { withFileTypes: true })
          .filter((d) => d.isDirectory())
          .flatMap((d) =>
            readdirSync(path.join(dir, d.name))
              .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml') || f === 'run.ts')
              .map((f) => `examples/${d.name}/${f}`),
          );
        expect(files.length).toBeGreaterThan(0);
        const commands = [...readmeBlocks.flatMap((b) => commandLines(b.text)), ...exampleCommands];
        for (const file of files)
          expect(
            commands.some((c) => c.split(/\s+/).includes(file)),
            `${file}: no command in README.md or examples/README.md runs it; say how users run it there`,
          ).toBe(true);
      });
    });

  describe(`${part === 'readme' ? 'README blocks' : 'examples/README.md commands'}, as users run them, on the automatic backend (${expected.name})`, () => {
    for (const block of part === 'readme' ? readmeBlocks : []) {
      const skip = skipOf(block);
      if (skip) {
        it.skip(`${blockName(block)}: skipped, ${skip.reason}`, () => {});
        report.push(`  skipped  ${blockName(block)}: ${skip.reason}`);
      }
    }
    if (part === 'examples')
      for (const entry of SKIPPED_EXAMPLES) report.push(`  skipped  ${entry.command}: ${entry.reason}`);

    for (const run of runs.filter((r) => r.part === part)) {
      it(`${run.name}${run.note ? ` [${run.note}]` : ''}`, async () => {
        // Nothing runs while SKIPPED_BLOCKS is stale (an entry that matches nothing would run its block).
        expect(skipProblems, 'fix SKIPPED_BLOCKS first').toEqual([]);
        const never = NEVER_RUN.find((n) => n.pattern.test(run.script));
        expect(
          never,
          `${run.name} has ${String(never?.pattern)} (${never?.why}): list it in SKIPPED_BLOCKS with its reason`,
        ).toBeUndefined();
        const outcome = await runScript(run.name, run.script, 300_000);
        const left = await terminateLeftovers(outcome.output);
        report.push(
          `  run      ${run.name}: ${ending(outcome)}, ${outcome.seconds.toFixed(1)} s${run.note ? ` (${run.note})` : ''}` +
            `${left.length > 0 ? `; terminated ${left.join(', ')} afterwards` : ''}`,
        );
        const context = `${run.name} ended with ${ending(outcome)}; its output ends:\n${tail(outcome.output)}`;
        expect(outcome.code === 0 && outcome.signal === null && !outcome.timedOut, context).toBe(true);
        expect(outcome.output, context).not.toMatch(/Segmentation fault|core dumped|unexpected error/);

        // Each command printed what it prints on success, once per run of it (status may repeat a summary).
        const commands = commandLines(run.script);
        const trainedBy = new Map<string, number | undefined>();
        for (const kind of PRINTS_ON_SUCCESS) {
          const wanted = commands.filter((c) => kind.command.test(c)).length;
          if (wanted === 0) continue;
          const found = [...outcome.output.matchAll(kind.prints)];
          expect(
            new Set(found.map((m) => m[1])).size,
            `${run.name}: ${kind.what}, once per command\n${context}`,
          ).toBeGreaterThanOrEqual(wanted);
          for (const m of found) {
            if (!kind.ranSweep) continue;
            if (kind.prints !== SUMMARY) {
              trainedBy.set(m[1]!, trainedBy.get(m[1]!));
              continue;
            }
            const [trained, done, stopped, total] = [m[2], m[3], m[4] ?? '0', m[5]].map(Number) as [
              number,
              number,
              number,
              number,
            ];
            expect(trained + done + stopped, `${m[0]}: counts add up`).toBe(total);
            trainedBy.set(m[1]!, trained + stopped);
          }
        }
        for (const [, file] of outcome.output.matchAll(HTML_REPORT))
          expect(existsSync(file!), `${file} was written`).toBe(true);

        // Each sweep it ran trained trials of its own, on the backend automatic selection picks.
        for (const [sweepId, started] of trainedBy) {
          const records = await tracker.finishedTrials({ sweepId });
          expect(
            records.length,
            `${sweepId} trained nothing itself (all reused), so it could not show a crash of its training threads`,
          ).toBeGreaterThan(0);
          if (started !== undefined) expect(records.length).toBeLessThanOrEqual(started);
          expect(new Set(records.map((r) => r.result.backend.name)), `${sweepId}: backends`).toEqual(
            new Set([expected.name]),
          );
        }
      });
    }
  });
}
