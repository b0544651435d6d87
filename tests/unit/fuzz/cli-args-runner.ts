/**
 * The child process of tests/unit/fuzz/cli-args.fuzz.test.ts: runs the CLI's `main()` once per message
 * `{ id, argv }` and answers with the exit code and what the command wrote. One process runs many argv
 * sets (a process each would cost ~2 s of CPU in start-up alone); the test kills and restarts it when a
 * case does not answer in time, which a hang in the same process as the test could not allow.
 *
 * `process.exit` is recorded, not obeyed (the worker command schedules one 2 s after an error, by
 * design, for a process stuck on a lost server); the environment is reset before every case (`--verbose`
 * sets SEEDSWEEP_VERBOSE). Output written after a case answered is kept and sent with the next answer
 * as `late`.
 */
import { main } from '../../../src/interfaces/cli/main.js';

/** What the test sends (or `{ stats: true }`: the process's CPU time so far and output no case took). */
export interface CliCase {
  id: number;
  argv: string[];
}

/** What the runner answers. */
export interface CliOutcome {
  id: number;
  /** main()'s exit code, or `threw` when main itself threw (it must not). */
  code: number | 'threw';
  stdout: string;
  stderr: string;
  /** Output written between the previous answer and this case's start, with uncaught errors. */
  late: string;
  /** process.exit calls recorded during the case (by code). */
  exits: number[];
  /** CPU time of the case, in milliseconds (user + system). */
  cpuMs: number;
}

/** Characters of a stream kept per case: a huge argument echoed back must not exhaust the IPC channel. */
const KEEP = 64 * 1024;

let current: { out: string[]; err: string[]; exits: number[] } | undefined;
let late = '';

function capture(stream: 'out' | 'err') {
  return (chunk: unknown, ...rest: unknown[]): boolean => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString();
    if (current) (stream === 'out' ? current.out : current.err).push(text);
    else late += text;
    const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  };
}

process.stdout.write = capture('out') as typeof process.stdout.write;
process.stderr.write = capture('err') as typeof process.stderr.write;
process.exit = ((code?: number) => {
  if (current) current.exits.push(code ?? 0);
  else late += `process.exit(${code ?? 0}) after its case\n`;
}) as typeof process.exit;
process.on('uncaughtException', (error) => {
  late += `uncaught exception: ${error.stack ?? String(error)}\n`;
});
process.on('unhandledRejection', (reason) => {
  late += `unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}\n`;
});

const baseline = { ...process.env };

function resetEnvironment(): void {
  for (const key of Object.keys(process.env)) if (!(key in baseline)) delete process.env[key];
  Object.assign(process.env, baseline);
  process.exitCode = undefined;
}

const clip = (text: string) =>
  text.length > KEEP ? `${text.slice(0, KEEP)}… (${text.length} characters)` : text;

process.on('message', (message: CliCase | { stats: true }) => {
  if ('stats' in message) {
    const used = process.cpuUsage();
    process.send?.({ stats: { cpuMs: (used.user + used.system) / 1000, late: clip(late) } });
    late = '';
    return;
  }
  void (async () => {
    resetEnvironment();
    const before = late;
    late = '';
    current = { out: [], err: [], exits: [] };
    const cpu = process.cpuUsage();
    let code: number | 'threw';
    try {
      code = await main(['node', 'seedsweep', ...message.argv]);
    } catch (error) {
      code = 'threw';
      current.err.push(
        `main threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
    }
    // Output that follows at once (a promise left running) still belongs to the case.
    await new Promise((resolve) => setImmediate(resolve));
    const used = process.cpuUsage(cpu);
    const outcome: CliOutcome = {
      id: message.id,
      code,
      stdout: clip(current.out.join('')),
      stderr: clip(current.err.join('')),
      late: clip(before),
      exits: current.exits,
      cpuMs: (used.user + used.system) / 1000,
    };
    current = undefined;
    process.send?.(outcome);
  })();
});

process.send?.({ ready: true });
