/**
 * How `seedsweep setup` runs its steps: each one's commands write to its own log file, the terminal
 * gets one line per step (what, how long, or "already there"), and a failed step one line saying what
 * failed, the first error line of its log, the log's path and what to do.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** A step failed; `detail` is the short reason (a compiler's or pip's first error line). */
export class StepFailure extends Error {
  override readonly name = 'StepFailure';
  constructor(
    message: string,
    readonly logFile?: string,
  ) {
    super(message);
  }
}

/** The outcome of one step, as printed and as `setup --json` would report it. */
export interface StepOutcome {
  step: string;
  status: 'done' | 'skipped' | 'failed';
  seconds: number;
  /** What was installed or found, or why the step failed. */
  message: string;
  logFile?: string;
}

/** A step's log: created empty when the step starts. */
export interface StepLog {
  file: string;
  write(text: string): void;
}

export function openStepLog(dir: string, name: string): StepLog {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.log`);
  writeFileSync(file, '');
  return { file, write: (text) => appendFileSync(file, text) };
}

/**
 * Runs a command with its output appended to `log`; rejects with a {@link StepFailure} naming the
 * command and its first error line (else its last line) when it exits non-zero or cannot start.
 */
export async function runLogged(
  log: StepLog,
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<string> {
  log.write(`$ ${[command, ...args].join(' ')}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      const text = chunk.toString();
      output += text;
      log.write(text);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    if (options.input !== undefined) child.stdin?.end(options.input);
    child.on('error', (error) =>
      reject(new StepFailure(`${command} could not start: ${error.message}`, log.file)),
    );
    child.on('close', (code, signal) => {
      if (code === 0) return resolve(output);
      const name = path.basename(command);
      const how = signal ? `was killed by ${signal}` : `exited with status ${code}`;
      const detail = firstErrorLine(output);
      reject(new StepFailure(`${name} ${how}${detail ? `: ${detail}` : ''}`, log.file));
    });
  });
}

/** The first line that mentions an error (node-gyp's `gyp ERR!` noise aside), else the last non-blank one. */
export function firstErrorLine(output: string): string | undefined {
  const lines = output.split('\n').map((line) => line.trim());
  const found =
    lines.find((line) => /error/i.test(line) && !line.startsWith('gyp ERR!')) ??
    lines.filter((line) => line !== '').pop();
  return found?.slice(0, 200);
}

/** Prints step lines: `  <label> <seconds> s  <message>`; failures as `  FAILED <label>: …`. */
export function formatOutcome(outcome: StepOutcome, fix?: string): string {
  const label = outcome.step.padEnd(22);
  if (outcome.status === 'failed') {
    const log = outcome.logFile ? ` (log: ${outcome.logFile})` : '';
    return `  FAILED ${outcome.step}: ${outcome.message}${log}${fix ? `; ${fix}` : ''}`;
  }
  const time = outcome.status === 'skipped' ? '  already' : `${outcome.seconds.toFixed(1).padStart(6)} s`;
  return `  ${label} ${time}  ${outcome.message}`;
}

/**
 * Runs `action` as the step `step`, timing it. The action returns its message, or `{ skipped }` when
 * everything was already in place. A thrown error becomes a failed outcome (never thrown further).
 */
export async function runStep(
  step: string,
  action: () => Promise<string | { skipped: string }>,
): Promise<StepOutcome> {
  const start = performance.now();
  const seconds = () => (performance.now() - start) / 1000;
  try {
    const result = await action();
    return typeof result === 'string'
      ? { step, status: 'done', seconds: seconds(), message: result }
      : { step, status: 'skipped', seconds: seconds(), message: result.skipped };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    return {
      step,
      status: 'failed',
      seconds: seconds(),
      message,
      ...(error instanceof StepFailure && error.logFile ? { logFile: error.logFile } : {}),
    };
  }
}
