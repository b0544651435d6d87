/**
 * While Temporal is down the SDK logs "gRPC call … retried N times" as an ERROR with a growing N: the
 * user sees it once, not once per retry (every entry still goes to the log file).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LogEntry } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { createSdkLogSink } from '../../../../src/temporal/workers/runtime.js';

const entry = (message: string): LogEntry => ({
  level: 'ERROR',
  message,
  timestampNanos: 1_796_000_000_000_000_000n,
  meta: {},
});

describe('SDK error lines on stderr', () => {
  it('shows a message repeated with other counts once', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'sdk-log-')), 'sdk.log');
    const stderr: string[] = [];
    const sink = createSdkLogSink({ file, verbose: false, stderr: (t) => void stderr.push(t) });
    for (let n = 16; n <= 20; n++) sink.log(entry(`gRPC call poll_workflow_task_queue retried ${n} times`));
    sink.log(entry('gRPC call poll_activity_task_queue retried 16 times'));
    sink.close();
    expect(stderr).toEqual([
      `temporal sdk error: gRPC call poll_workflow_task_queue retried 16 times (details in ${file})\n`,
      `temporal sdk error: gRPC call poll_activity_task_queue retried 16 times (details in ${file})\n`,
    ]);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(6);
  });
});
