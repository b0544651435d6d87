/**
 * Generated command lines for every `seedsweep` command (issue 20, item 1): each command's arguments
 * and options with good and hostile values (out-of-range and malformed numbers, empty and 100,000-
 * character strings, NUL and control characters, paths that do not exist, folders for files, damaged
 * spec files), unknown options, stray arguments, `--flag=value` forms, repeated flags, `--verbose`,
 * `--help` anywhere.
 *
 * Property, for every command line: exit code 0, 1 or 2; exit 2 with exactly one `error[E_CODE]: …` (or
 * commander's `error: …`) line; never `unexpected error`, a stack trace, an uncaught exception or an
 * unhandled rejection (even after the command returned); never a hang (each case is bounded).
 *
 * The commands run in-process (`main(argv)`) in one child process (cli-args-runner.ts) that serves
 * many cases, restarted if a case does not answer in time. No server may answer: TEMPORAL_ADDRESS and
 * MLFLOW_TRACKING_URI point at a closed loopback port (MLflow without retries), the CIFAR-10 download at
 * one too, and the state, cache and working folders are temporary. Commands that would do real work
 * when every argument is right (`train`, `eda`, `setup`, and `doctor`, whose checks start python) always
 * get one bad value last, so that they fail before training, analysing, installing or spawning; the
 * others fail on the refused connection at worst.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../src/core/common/paths.js';
import { checkFuzz } from '../../fuzz-support.js';
import type { CliOutcome } from './cli-args-runner.js';

/**
 * Command lines in `npm test`: 400, about 10 s of CPU in the child (3 s of it start-up and first
 * loads of Temporal, TF.js and the commands' modules, a few ms per case after that); `npm run fuzz`
 * runs ×10.
 */
const RUNS = 400;

/** One case's bound: far above any command's time here (a refused connection, a first module load). */
const CASE_TIMEOUT_MS = 45_000;
const TEST_TIMEOUT_MS = 3_600_000;

const root = mkdtempSync(path.join(tmpdir(), 'seedsweep-cli-fuzz-'));
const work = path.join(root, 'cwd');
const missing = path.join(root, 'missing', 'nothing-here');
const files = {
  empty: path.join(root, 'empty.yaml'),
  binary: path.join(root, 'binary.yaml'),
  broken: path.join(root, 'broken.yaml'),
  huge: path.join(root, 'huge.yaml'),
  tiny: path.join(PACKAGE_ROOT, 'sweeps', 'tests', 'tiny.yaml'),
};

// ---------------------------------------------------------------------------------------------
// Values

/** Numbers as a user may type them, most of them wrong for the flag. */
const numberText: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: -5, max: 70_000 }).map(String),
  fc.double().map(String),
  fc.constantFrom(
    '0',
    '-1',
    '-0',
    '1.5',
    '1e309',
    '1e-400',
    'NaN',
    'Infinity',
    '-Infinity',
    '0x1F',
    '0b11',
    '1_000',
    ' 5 ',
    '5abc',
    '2147483648',
    '4294967296',
    '9007199254740993',
    '99999999999999999999999',
    '',
  ),
);

/** Paths that do not exist, folders where files go, damaged files, hostile names. */
const pathText: fc.Arbitrary<string> = fc.constantFrom(
  missing,
  `${missing}.yaml`,
  '/nonexistent/x',
  root,
  files.empty,
  files.binary,
  files.broken,
  files.huge,
  '',
  ' ',
  '-',
  '.',
  '..',
  '../../../../etc/passwd',
  '/dev/null',
  '/proc/self/mem',
  `${root}/a\u0000b`,
  'C:\\Windows\\system32',
  '\\\\server\\share',
  'file:///etc/passwd',
  `${'d/'.repeat(2_000)}x`,
);

/** Text nobody should type: empty, control characters, NUL, bidi overrides, lone surrogates, 100,000 characters. */
const hostileText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\n',
    'a\nb',
    '\r',
    '\t',
    '\u001b[31m',
    '\u202e',
    '\ud800',
    '💥',
    '--',
    '-',
    '---x',
    '--help',
    '-h',
    '=',
    '%s%n',
    '${HOME}',
    '$(id)',
    '`id`',
    '\'"',
    '{}',
    '[]',
    'null',
    'undefined',
    '__proto__',
    'constructor',
  ),
  fc.constantFrom(1_000, 100_000).map((n) => 'a'.repeat(n)),
);

/** A value for a flag: mostly a plausible one, else anything. */
const valueOf = (good: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.oneof({ weight: 3, arbitrary: good }, hostileText, numberText, pathText);

const sweepRef = valueOf(fc.constantFrom('tiny-20260101-000000-abcd', 'tiny', 'my.sweep_1'));
const specRef = valueOf(
  fc.constantFrom(files.tiny, 'tiny', 'quickstart', files.broken, files.empty, files.huge),
);
const setText = valueOf(
  fc.constantFrom(
    'seeds=[1, 2]',
    'seeds={count: 3}',
    'train.epochs=2',
    'name=other',
    'dataset.train_size=50',
    'variants.grid.model=[fc]',
    'seeds.99=1',
    'a..b=1',
    '__proto__.x=1',
    'seeds',
    '=1',
    'name=&a [1, 2]',
  ),
);
const moduleRef = fc.constantFrom(
  `${missing}.ts#train`,
  './no-such-module.ts#x',
  '#x',
  'x#',
  'file://remote-host/m.ts#x',
  'file:///tmp/a%2Fb.ts#x',
  'node:fs#readFileSync',
  'no-such-package-xyz#x',
  '',
);

// ---------------------------------------------------------------------------------------------
// Commands

/** A flag and what follows it: nothing (a switch) or a value. */
type Flag = [flag: string, value?: fc.Arbitrary<string>];

interface CommandModel {
  /** Words before the options (`services stop`). */
  words: fc.Arbitrary<string[]>;
  flags: Flag[];
  /** Appended last when the command must fail before doing its work. */
  poison?: fc.Arbitrary<string[]>;
}

const fixed = (...words: fc.Arbitrary<string>[]): fc.Arbitrary<string[]> =>
  fc.tuple(...words).map((w) => [...w]);

const COMMANDS: Record<string, CommandModel> = {
  run: {
    words: fixed(specRef),
    flags: [
      ['--detach'],
      ['--json'],
      ['--threads', valueOf(fc.constantFrom('1', '2'))],
      ['--set', setText],
      ['--data-path', pathText],
      ['--no-reuse'],
    ],
  },
  plan: {
    words: fixed(specRef),
    flags: [['--set', setText], ['--data-path', pathText], ['--json']],
  },
  status: {
    words: fixed(sweepRef),
    flags: [
      ['--page', valueOf(fc.constantFrom('1', '2'))],
      ['--page-size', valueOf(fc.constantFrom('1', '50', '500'))],
      ['--state', valueOf(fc.constantFrom('running', 'finished', 'pending', 'failed'))],
      ['--json'],
    ],
  },
  report: {
    words: fixed(sweepRef),
    flags: [
      ['--format', valueOf(fc.constantFrom('table', 'md', 'json', 'html'))],
      ['--out', valueOf(fc.constant(path.join(root, 'report-out')))],
      ['--recompute'],
    ],
  },
  export: {
    words: fixed(sweepRef),
    flags: [
      ['--format', valueOf(fc.constantFrom('csv', 'parquet', 'json'))],
      ['--out', valueOf(fc.constant(path.join(root, 'export.csv')))],
      ['--final'],
    ],
  },
  compare: {
    words: fixed(sweepRef, sweepRef),
    flags: [['--metric', valueOf(fc.constantFrom('testAccuracy', 'loss'))], ['--json']],
  },
  list: {
    words: fc.constant<string[]>([]),
    flags: [['--name', sweepRef], ['--limit', valueOf(fc.constantFrom('1', '50'))], ['--json']],
  },
  cancel: { words: fixed(sweepRef), flags: [] },
  pause: { words: fixed(sweepRef), flags: [] },
  resume: {
    words: fixed(sweepRef),
    flags: [['--detach'], ['--json'], ['--threads', valueOf(fc.constantFrom('1', '2'))]],
  },
  worker: {
    words: fc.constant<string[]>([]),
    flags: [
      ['--queue', valueOf(fc.constantFrom('cpu', 'gpu'))],
      ['--threads', valueOf(fc.constantFrom('1', '2'))],
      ['--gpus', valueOf(fc.constantFrom('0', '0,1', ',', '0,,1'))],
      ['--no-control'],
      ['--trainer', valueOf(fc.constantFrom('engine', 'noop'))],
      ['--noop-epoch-ms', valueOf(fc.constantFrom('0', '10'))],
      ['--queue-prefix', valueOf(fc.constantFrom('fuzz', 'a-b'))],
      ['--reconnect-minutes', valueOf(fc.constantFrom('0.1', '1'))],
    ],
  },
  eda: {
    words: fc.constant<string[]>([]),
    flags: [
      ['--dataset', valueOf(fc.constantFrom('cifar10', 'synthetic'))],
      ['--data-path', pathText],
      ['--train-size', valueOf(fc.constantFrom('10', '100'))],
      ['--test-size', valueOf(fc.constantFrom('10'))],
      ['--slice-seed', valueOf(fc.constantFrom('0', '3'))],
      ['--sample-seed', valueOf(fc.constantFrom('0'))],
      ['--correlation-sample', valueOf(fc.constantFrom('10'))],
      ['--out', valueOf(fc.constant(path.join(root, 'eda')))],
      ['--no-track'],
      ['--json'],
    ],
    poison: fc.constantFrom<string[]>(
      ['--train-size', '0'],
      ['--test-size', 'x'],
      ['--slice-seed', '-1'],
      ['--sample-seed', '1.5'],
      ['--correlation-sample', '0'],
      ['--dataset', 'no-such-dataset'],
    ),
  },
  train: {
    words: fc.constant<string[]>([]),
    flags: [
      ['--trainable', moduleRef],
      ['--param', valueOf(fc.constantFrom('model=cnn', 'kernel_size=5', 'units1=0', 'model', '=1'))],
      ['--seed', valueOf(fc.constantFrom('0', '7'))],
      ['--epochs', valueOf(fc.constantFrom('1', '2'))],
      ['--batch-size', valueOf(fc.constantFrom('32'))],
      ['--learning-rate', valueOf(fc.constantFrom('0.01'))],
      ['--optimizer', valueOf(fc.constantFrom('adam', 'sgd'))],
      ['--dataset', valueOf(fc.constantFrom('synthetic', 'none', 'cifar10'))],
      ['--data-path', pathText],
      ['--train-size', valueOf(fc.constantFrom('10'))],
      ['--test-size', valueOf(fc.constantFrom('10'))],
      ['--slice-seed', valueOf(fc.constantFrom('0'))],
      ['--dataset-module', moduleRef],
      ['--dataset-option', valueOf(fc.constantFrom('n=1', 'x'))],
      ['--checkpoint-dir', valueOf(fc.constant(path.join(root, 'checkpoints')))],
      ['--resume'],
      ['--model-dir', valueOf(fc.constant(path.join(root, 'model')))],
      ['--backend', valueOf(fc.constantFrom('wasm', 'cpu'))],
      ['--fail-at-epoch', valueOf(fc.constantFrom('1'))],
      ['--json'],
      // Parameters as their own flags.
      ['--model', valueOf(fc.constantFrom('cnn', 'fc'))],
      ['--kernel-size', valueOf(fc.constantFrom('3', '5'))],
    ],
    poison: fc.constantFrom<string[]>(
      ['--epochs', '0'],
      ['--seed', '-1'],
      ['--batch-size', 'many'],
      ['--learning-rate', '-0.1'],
      ['--optimizer', 'no-such-optimizer'],
      ['--backend', 'no-such-backend'],
      ['--no-such-parameter', '1'],
      ['--param', 'no-equals-sign'],
      ['--kernel-size', '1e309'],
      ['--trainable', `${missing}.ts#train`],
    ),
  },
  models: {
    words: fc.constant<string[]>([]),
    flags: [
      ['--trainable', moduleRef],
      ['--param', valueOf(fc.constantFrom('model=cnn', 'kernel_size=5', 'units1=0'))],
      ['--json'],
      ['--model', valueOf(fc.constantFrom('cnn', 'fc'))],
      ['--kernel-size', valueOf(fc.constantFrom('3', '5'))],
    ],
  },
  sync: { words: fc.constant<string[]>([]), flags: [['--json']] },
  serve: {
    words: fc.constant<string[]>([]),
    flags: [
      ['--run', valueOf(fc.constantFrom('0123456789abcdef0123456789abcdef'))],
      ['--best', sweepRef],
      ['--model-dir', valueOf(fc.constant(missing))],
      ['--port', valueOf(fc.constantFrom('0', '8080'))],
      ['--host', valueOf(fc.constantFrom('127.0.0.1', '::1', '0.0.0.0'))],
      ['--max-batch', valueOf(fc.constantFrom('1', '128'))],
      ['--max-body-bytes', valueOf(fc.constantFrom('1024'))],
      ['--request-timeout', valueOf(fc.constantFrom('1000'))],
      ['--max-concurrent', valueOf(fc.constantFrom('4'))],
      ['--refresh'],
    ],
  },
  package: {
    words: fc.constant<string[]>([]),
    flags: [
      ['--run', valueOf(fc.constantFrom('0123456789abcdef0123456789abcdef'))],
      ['--best', sweepRef],
      ['--model-dir', valueOf(fc.constant(missing))],
      ['--out', valueOf(fc.constant(path.join(root, 'bundle')))],
      ['--force'],
      ['--json'],
    ],
  },
  services: {
    words: fc
      .tuple(
        fc.option(valueOf(fc.constantFrom('status', 'stop', 'logs', 'temporal')), { nil: undefined }),
        fc.option(valueOf(fc.constantFrom('temporal', 'mlflow')), { nil: undefined }),
      )
      .map(([a, s]) => (a === undefined ? [] : s === undefined ? [a] : [a, s])),
    flags: [
      ['--json'],
      ['-n', valueOf(fc.constantFrom('5'))],
      ['--lines', numberText],
      ['--timeout', numberText],
    ],
  },
  setup: {
    words: fc.constant<string[]>([]),
    flags: [['--no-native']],
    // Never installs: commander refuses the command line first.
    poison: fc.constantFrom<string[]>(['--no-such-option'], ['unexpected-argument'], ['--native=1']),
  },
  doctor: {
    words: fc.constant<string[]>([]),
    flags: [['--json']],
    // Its checks start python and the servers' executables (seconds of CPU each): refused before them.
    poison: fc.constantFrom<string[]>(['--no-such-option'], ['unexpected-argument']),
  },
};

/** Tokens a command line may also hold: unknown options, stray words, hostile text. */
const strayToken: fc.Arbitrary<string[]> = fc.oneof(
  fc.constantFrom<string[]>(
    ['--bogus'],
    ['--bogus=1'],
    ['-z'],
    ['-Vx'],
    ['--'],
    ['-'],
    ['--no-'],
    ['stray-word'],
    ['--set'],
  ),
  hostileText.map((t) => [t]),
  numberText.map((t) => [t]),
);

/** One command line: a command's words, some of its flags (in any order, some twice), strays, extras. */
const commandLine: fc.Arbitrary<string[]> = fc
  .constantFrom(...Object.keys(COMMANDS))
  .chain((name) => {
    const model = COMMANDS[name]!;
    const flag =
      model.flags.length === 0
        ? fc.constant<string[]>([])
        : fc
            .tuple(fc.constantFrom(...model.flags), fc.boolean())
            .chain(([[name, value], inline]) =>
              value === undefined
                ? fc.constant<string[]>([name])
                : value.map((v) => (inline && name.startsWith('--') ? [`${name}=${v}`] : [name, v])),
            );
    return fc.record({
      name: fc.constant(name),
      words: model.words,
      groups: fc.array(fc.tuple(fc.oneof({ weight: 8, arbitrary: flag }, strayToken), fc.nat()), {
        maxLength: 5,
      }),
      wordAt: fc.nat(),
      verbose: fc.boolean(),
      help: fc.nat(30),
      poison: model.poison ?? fc.constant<string[]>([]),
    });
  })
  .map(({ name, words, groups, wordAt, verbose, help, poison }) => {
    // Options in generated order, the command's own words somewhere among them.
    const parts = [...groups].sort((a, b) => a[1] - b[1]).map(([tokens]) => tokens);
    parts.splice(wordAt % (parts.length + 1), 0, words);
    const tokens = parts.flat();
    if (help === 0) tokens.splice(tokens.length === 0 ? 0 : wordAt % tokens.length, 0, '--help');
    return [...(verbose ? ['--verbose'] : []), name, ...tokens, ...poison];
  });

/** A few command lines that are not a command at all. */
const otherLine: fc.Arbitrary<string[]> = fc.oneof(
  fc.constantFrom<string[]>(
    [],
    ['--version'],
    ['-V'],
    ['help'],
    ['help', 'run'],
    ['help', 'nothing'],
    ['--verbose'],
  ),
  fc.array(fc.oneof(hostileText, numberText), { minLength: 1, maxLength: 3 }),
);

const argvArb = fc.oneof({ weight: 12, arbitrary: commandLine }, { weight: 1, arbitrary: otherLine });

// ---------------------------------------------------------------------------------------------
// The runner

class Runner {
  private child: ChildProcess | undefined;
  private nextId = 0;
  private pending = new Map<number, (outcome: CliOutcome) => void>();
  /** CPU of runner processes that were restarted. */
  cpuMsOfEnded = 0;
  restarts = 0;

  private env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      TEMPORAL_ADDRESS: '127.0.0.1:1',
      MLFLOW_TRACKING_URI: 'http://127.0.0.1:1',
      MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0',
      SEEDSWEEP_STATE_DIR: path.join(root, 'state'),
      SEEDSWEEP_CACHE_DIR: path.join(root, 'cache'),
      SEEDSWEEP_CHECKPOINT_DIR: path.join(root, 'state', 'checkpoints'),
      SEEDSWEEP_MODEL_DIR: path.join(root, 'state', 'models'),
      SEEDSWEEP_CIFAR10_URL: 'http://127.0.0.1:1/cifar-10-binary.tar.gz',
      SEEDSWEEP_RECONNECT_MINUTES: '0.05',
      SEEDSWEEP_BACKEND: 'wasm',
    };
  }

  async start(): Promise<void> {
    const child = fork(path.join(import.meta.dirname, 'cli-args-runner.ts'), [], {
      execArgv: ['--import', import.meta.resolve('tsx')],
      cwd: work,
      env: this.env(),
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    this.child = child;
    // The runner writes nothing itself; anything here is a native library's noise, kept for failures.
    child.stdout?.resume();
    child.stderr?.resume();
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`the CLI runner exited with ${code} while starting`)));
    });
    child.on('message', (message: CliOutcome) => {
      this.pending.get(message.id)?.(message);
      this.pending.delete(message.id);
    });
  }

  /** The runner's CPU time and stray output so far (nothing, if it does not answer within 5 s). */
  async stats(): Promise<{ cpuMs: number; late: string }> {
    const child = this.child;
    if (!child || child.exitCode !== null) return { cpuMs: 0, late: '' };
    return new Promise((resolve) => {
      const timer = setTimeout(() => done({ cpuMs: 0, late: '' }), 5_000);
      const onMessage = (message: { stats?: { cpuMs: number; late: string } }) => {
        if (message.stats) done(message.stats);
      };
      const done = (stats: { cpuMs: number; late: string }) => {
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(stats);
      };
      child.on('message', onMessage);
      child.send({ stats: true });
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const ended = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await ended;
  }

  /** Runs one command line: its outcome, or `hang` after the bound, or `died` if the runner exited. */
  async run(argv: string[]): Promise<CliOutcome | 'hang' | { died: number | null }> {
    if (!this.child) await this.start();
    const child = this.child!;
    const id = this.nextId++;
    let timer: NodeJS.Timeout | undefined;
    let onExit: ((code: number | null) => void) | undefined;
    const result = await new Promise<CliOutcome | 'hang' | { died: number | null }>((resolve) => {
      this.pending.set(id, resolve);
      timer = setTimeout(() => resolve('hang'), CASE_TIMEOUT_MS);
      onExit = (code) => resolve({ died: code });
      child.once('exit', onExit);
      child.send({ id, argv });
    });
    clearTimeout(timer);
    if (onExit) child.off('exit', onExit);
    this.pending.delete(id);
    if (typeof result === 'string' || 'died' in result) {
      // Whatever it was doing, a fresh runner takes the next case.
      this.cpuMsOfEnded += (await this.stats()).cpuMs;
      this.restarts += 1;
      await this.stop();
    }
    return result;
  }
}

// ---------------------------------------------------------------------------------------------
// The property

/** What a user may read at the end of a failing command. */
const ERROR_LINE = /^error(?:\[([^\]]*)\])?: /;
/** A stack frame: `    at fn (file:line:col)` or `    at file:line:col`. */
const STACK_FRAME = /^\s+at\s.*(?:\(.*:\d+:\d+\)|:\d+:\d+)\s*$/m;
const CRASH = /unexpected error|uncaught exception|unhandled rejection|main threw/i;

const tally = { tried: 0, exit0: 0, exit1: 0, clear: 0, crashes: 0, hangs: 0 };
/** The costliest cases, for the budget. */
const costly: { cpuMs: number; argv: string[] }[] = [];
const codes = new Map<string, number>();
let previous: string[] = [];

function show(argv: string[]): string {
  return JSON.stringify(argv.map((a) => (a.length > 80 ? `${a.slice(0, 40)}…(${a.length})` : a)));
}

function judge(argv: string[], outcome: Awaited<ReturnType<Runner['run']>>): void {
  tally.tried += 1;
  if (outcome === 'hang') {
    tally.hangs += 1;
    throw new Error(`no answer within ${CASE_TIMEOUT_MS / 1000} s: ${show(argv)}`);
  }
  if ('died' in outcome) {
    tally.crashes += 1;
    throw new Error(`the CLI runner died (exit ${outcome.died}) running ${show(argv)}`);
  }
  const { code, stdout, stderr, late } = outcome;
  costly.push({ cpuMs: outcome.cpuMs, argv });
  costly.sort((a, b) => b.cpuMs - a.cpuMs).splice(8);
  const fail = (what: string): never => {
    tally.crashes += 1;
    throw new Error(
      `${what}\nargv: ${show(argv)}\nexit: ${code}\nstderr: ${stderr.slice(0, 3_000)}\nstdout: ${stdout.slice(0, 500)}`,
    );
  };
  if (late && (CRASH.test(late) || STACK_FRAME.test(late)))
    fail(`after the previous command (${show(previous)}) returned, it wrote: ${late.slice(0, 3_000)}`);
  previous = argv;
  if (code !== 0 && code !== 1 && code !== 2) fail(`exit code ${code}`);
  if (CRASH.test(stderr) || CRASH.test(stdout)) fail('an unexpected error');
  if (STACK_FRAME.test(stderr) || STACK_FRAME.test(stdout)) fail('a stack trace');
  const errorLines = stderr.split('\n').filter((line) => ERROR_LINE.test(line));
  if (code === 2 && errorLines.length === 0 && /^Usage: seedsweep/m.test(stderr)) {
    // No command at all: commander shows the usage.
    codes.set('usage', (codes.get('usage') ?? 0) + 1);
    tally.clear += 1;
  } else if (code === 2) {
    if (errorLines.length !== 1) fail(`${errorLines.length} error lines (one expected)`);
    // An echoed 100,000-character argument is cut: the line stays readable.
    if (errorLines[0]!.length > 2_100) fail(`an error line of ${errorLines[0]!.length} characters`);
    const bracketed = ERROR_LINE.exec(errorLines[0]!)![1];
    if (bracketed !== undefined && !/^E_[A-Z0-9_]+$/.test(bracketed)) fail(`error code '${bracketed}'`);
    const key = bracketed ?? 'commander';
    codes.set(key, (codes.get(key) ?? 0) + 1);
    tally.clear += 1;
  } else {
    if (errorLines.length > 0) fail(`exit ${code} with an error line`);
    tally[code === 0 ? 'exit0' : 'exit1'] += 1;
  }
}

describe('seedsweep command lines under generated input', () => {
  const runner = new Runner();

  beforeAll(async () => {
    mkdirSync(work, { recursive: true });
    writeFileSync(files.empty, '');
    writeFileSync(files.binary, Buffer.from([0, 255, 254, 0, 10, 0x1b, 0x5b]));
    writeFileSync(files.broken, 'name: broken\nvariants: {grid: [model: fc\nseeds: *nowhere\n');
    writeFileSync(files.huge, `name: huge\ndescription: "${'x'.repeat(1_100_000)}"\n`);
    await runner.start();
  }, 120_000);

  afterAll(async () => {
    const { cpuMs } = await runner.stats();
    await runner.stop();
    // Nothing may be written outside the temporary folders (the working folder is one of them).
    const leftovers = readdirSync(work);
    rmSync(root, { recursive: true, force: true });
    console.log(
      `cli args: ${tally.tried} command lines, exit 0: ${tally.exit0}, exit 1: ${tally.exit1}, clear errors: ${tally.clear}, ` +
        `crashes: ${tally.crashes}, hangs: ${tally.hangs}; runner CPU ${((cpuMs + runner.cpuMsOfEnded) / 1000).toFixed(1)} s, ` +
        `${runner.restarts} restart(s); files left in the working folder: ${leftovers.length}`,
    );
    console.log(`error codes: ${[...codes].map(([c, n]) => `${c} ${n}`).join(', ')}`);
    console.log(`costliest: ${costly.map((c) => `${c.cpuMs.toFixed(0)} ms ${show(c.argv)}`).join('\n  ')}`);
  });

  it(
    'every command line ends in a result, help, or one error[CODE] line; never a crash or a hang',
    async () => {
      await checkFuzz(
        'cli-args',
        fc.asyncProperty(argvArb, async (argv) => judge(argv, await runner.run(argv))),
        RUNS,
      );
      const { late } = await runner.stats();
      expect(CRASH.test(late) || STACK_FRAME.test(late), late.slice(0, 3_000)).toBe(false);
    },
    TEST_TIMEOUT_MS,
  );
});
