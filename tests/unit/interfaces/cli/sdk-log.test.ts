/** Temporal SDK logs stay out of the user's output: to <state>/logs/sdk.log, on stderr only when verbose or an error. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LogEntry } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import {
  createSdkLogSink,
  formatLogEntry,
  isVerbose,
  sdkLogFile,
} from '../../../../src/temporal/workers/runtime.js';

const at = 1_796_102_194_132n * 1_000_000n;
const warn: LogEntry = {
  level: 'WARN',
  message: 'No workflows registered, not polling for workflow tasks',
  timestampNanos: at,
  meta: { sdkComponent: 'worker', taskQueue: 'seedsweep-cpu' },
};
const error: LogEntry = { level: 'ERROR', message: 'Worker failed', timestampNanos: at };

function sink(verbose: boolean, file?: string) {
  const stderr: string[] = [];
  const logFile =
    file ?? path.join(mkdtempSync(path.join(os.tmpdir(), 'seedsweep-sdklog-')), 'logs', 'sdk.log');
  const s = createSdkLogSink({ file: logFile, verbose, stderr: (t) => void stderr.push(t) });
  return { s, stderr, logFile };
}

describe('SDK log sink', () => {
  it('formats an entry as one line with its metadata', () => {
    expect(formatLogEntry(warn)).toBe(
      "2026-12-01T05:16:34.132Z [WARN] No workflows registered, not polling for workflow tasks { sdkComponent: 'worker', taskQueue: 'seedsweep-cpu' }",
    );
  });

  it('quiet: warnings only in the file; each error message once on stderr, pointing at the file', () => {
    const { s, stderr, logFile } = sink(false);
    s.log(warn);
    s.log(error);
    s.log(error);
    s.close();
    expect(stderr).toEqual([`temporal sdk error: Worker failed (details in ${logFile})\n`]);
    expect(readFileSync(logFile, 'utf8').trimEnd().split('\n')).toEqual([
      formatLogEntry(warn),
      formatLogEntry(error),
      formatLogEntry(error),
    ]);
  });

  it('verbose: every entry on stderr too', () => {
    const { s, stderr, logFile } = sink(true);
    s.log(warn);
    s.close();
    expect(stderr).toEqual([`${formatLogEntry(warn)}\n`]);
    expect(readFileSync(logFile, 'utf8')).toBe(`${formatLogEntry(warn)}\n`);
  });

  it('an unwritable log file falls back to stderr for warnings and errors', () => {
    const blocker = path.join(mkdtempSync(path.join(os.tmpdir(), 'seedsweep-sdklog-')), 'a-file');
    writeFileSync(blocker, '');
    const { s, stderr } = sink(false, path.join(blocker, 'logs', 'sdk.log')); // a file where a folder must be
    s.log({ ...warn, level: 'INFO' });
    s.log(warn);
    expect(stderr).toEqual([`${formatLogEntry(warn)}\n`]);
  });

  it('SEEDSWEEP_VERBOSE and the file location', () => {
    expect(isVerbose({ SEEDSWEEP_VERBOSE: '1' })).toBe(true);
    expect(isVerbose({ SEEDSWEEP_VERBOSE: 'true' })).toBe(true);
    expect(isVerbose({ SEEDSWEEP_VERBOSE: '0' })).toBe(false);
    expect(isVerbose({})).toBe(false);
    expect(sdkLogFile('/s')).toBe('/s/logs/sdk.log');
  });
});
