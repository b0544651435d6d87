/**
 * The Temporal SDK runtime of a process: installed once, its logs kept out of the user's output.
 *
 * Both the TypeScript SDK's logger and the Rust core's logs (forwarded to it) go to
 * `<state>/logs/sdk.log`. With `--verbose` (or `SEEDSWEEP_VERBOSE=1`) they are also shown on stderr, as
 * the SDK does by default. Without it, only ERROR entries reach stderr, as one short line each (a
 * repeated message once), pointing at the log for details.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { inspect } from 'node:util';
import { DefaultLogger, Runtime, type LogEntry, type LogLevel } from '@temporalio/worker';
import { stateDir } from '../../core/common/paths.js';

let installed = false;

const LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

/** True when the user asked for SDK logs on stderr (`--verbose` sets `SEEDSWEEP_VERBOSE=1`). */
export function isVerbose(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env['SEEDSWEEP_VERBOSE'];
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

/** The file SDK logs go to: `<state>/logs/sdk.log`. */
export function sdkLogFile(dir: string = stateDir()): string {
  return path.join(dir, 'logs', 'sdk.log');
}

/** One log entry as a line: `2026-12-01T05:16:33.123Z [WARN] message {meta}`. */
export function formatLogEntry(entry: LogEntry): string {
  const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  const meta =
    entry.meta === undefined || Object.keys(entry.meta).length === 0
      ? ''
      : ` ${inspect(entry.meta, { breakLength: Infinity, depth: 4, colors: false })}`;
  return `${time} [${entry.level}] ${entry.message}${meta}`;
}

export interface SdkLogSinkOptions {
  /** The log file (its folder is created on the first entry). */
  file: string;
  /** Also write every entry to `stderr`. */
  verbose: boolean;
  /** @default process.stderr.write */
  stderr?: (text: string) => void;
}

/**
 * The log function of the runtime's logger: every entry to the file; to stderr every entry when
 * verbose, else ERROR entries only, one line each and each message once.
 */
export function createSdkLogSink(options: SdkLogSinkOptions): {
  log: (entry: LogEntry) => void;
  close: () => void;
} {
  const stderr = options.stderr ?? ((text: string) => void process.stderr.write(text));
  let fd: number | undefined;
  let fileFailed = false;
  const shown = new Set<string>();
  const toFile = (line: string) => {
    if (fileFailed) return false;
    try {
      if (fd === undefined) {
        mkdirSync(path.dirname(options.file), { recursive: true });
        fd = openSync(options.file, 'a');
      }
      writeSync(fd, `${line}\n`);
      return true;
    } catch {
      fileFailed = true;
      return false;
    }
  };
  return {
    log(entry) {
      const line = formatLogEntry(entry);
      const written = toFile(line);
      if (options.verbose || !written) {
        // Verbose, or the file cannot be written: show the entry rather than lose it.
        if (options.verbose || entry.level === 'ERROR' || entry.level === 'WARN') stderr(`${line}\n`);
        return;
      }
      // Counts vary between repeats ("gRPC call poll_workflow_task_queue retried 17 times" while
      // Temporal is down): one line per message with its numbers left out.
      const repeat = entry.message.replace(/\d+/g, 'N');
      if (entry.level === 'ERROR' && !shown.has(repeat)) {
        shown.add(repeat);
        stderr(`temporal sdk error: ${entry.message} (details in ${options.file})\n`);
      }
    },
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

/**
 * Installs the Temporal runtime with a logger at `SEEDSWEEP_TEMPORAL_LOG_LEVEL` (TRACE, DEBUG, INFO,
 * WARN, ERROR; default WARN) that writes to {@link sdkLogFile}, and with the core's logs forwarded to
 * it (same level). Must run before the first connection; later calls do nothing.
 */
export function installTemporalRuntime(options: { verbose?: boolean; logFile?: string } = {}): void {
  if (installed) return;
  installed = true;
  const requested = (process.env['SEEDSWEEP_TEMPORAL_LOG_LEVEL'] ?? 'WARN').toUpperCase() as LogLevel;
  const level = LEVELS.includes(requested) ? requested : 'WARN';
  const sink = createSdkLogSink({
    file: options.logFile ?? sdkLogFile(),
    verbose: options.verbose ?? isVerbose(),
  });
  try {
    Runtime.install({
      logger: new DefaultLogger(level, sink.log),
      telemetryOptions: { logging: { filter: { core: level, other: 'ERROR' }, forward: {} } },
    });
  } catch {
    // Already installed (e.g. by an embedding application): keep theirs.
    sink.close();
  }
}
