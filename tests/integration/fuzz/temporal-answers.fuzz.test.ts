/**
 * Fuzzing of Temporal's answers (issue 20): seedsweep's client operations (connect, status with a page
 * of the progress query, list, status of a sweep that does not exist, start, cancel) run in this process
 * through a gRPC proxy (tests/fixtures/grpc-fault-proxy.ts) that damages the dev server's answers call by
 * call: truncated, bit-flipped and mis-framed messages, random bytes, answers of other methods, empty
 * OK answers, any grpc-status with any message, stream resets, stalls, a false compressed flag.
 *
 * Property per case: the operation gives the right answer (what it gives through no proxy), or throws
 * one UserError whose CLI line (`formatCliError`) is one line naming Temporal (or the sweep) and what to
 * do; never an unexpected error, never past the case's deadline, never a wrong value accepted where
 * the damage is detectable. Bit flips and random bytes can make a different but well-formed protobuf
 * (plaintext gRPC carries no checksum; TLS does in production): those are counted, not failed.
 * Afterwards, through no proxy, every sweep a case started is on the server and a clean status works.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import fc from 'fast-check';
import type { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { isUserError } from '../../../src/core/common/errors.js';
import { formatCliError } from '../../../src/interfaces/cli/output.js';
import { createNoopTrainer } from '../../../src/temporal/activities/noop-trainer.js';
import { openTemporalSession } from '../../../src/temporal/client/session.js';
import {
  cancelSweep,
  getSweepStatus,
  listSweeps,
  pauseSweep,
  submitSweep,
  type SweepStatus,
} from '../../../src/temporal/client/sweeps.js';
import { taskQueues, type SweepSummary } from '../../../src/temporal/shared/shared.js';
import { checkFuzz } from '../../fuzz-support.js';
import { startGrpcFaultProxy, type GrpcFault, type GrpcFaultProxy } from '../../fixtures/grpc-fault-proxy.js';
import { MemoryTracker } from '../temporal/memory-tracker.js';
import {
  connect,
  fingerprintOf,
  startWorker,
  tinySpec,
  uniqueName,
  until,
  type InProcessWorker,
  suiteWorkflowBundle,
} from '../temporal/harness.js';

/** Generated cases in `npm test` (× SEEDSWEEP_FUZZ_SCALE under `npm run fuzz`). */
const RUNS = 150;
/** No case may take longer (the client's own deadlines are shorter). */
const CASE_DEADLINE_MS = 45_000;
/** The longest stall a generated fault holds an answer back. */
const MAX_STALL_MS = 500;

let proxy: GrpcFaultProxy;
let direct: { connection: NativeConnection; client: Client };
let worker: InProcessWorker;
/** Faults for the next calls through the proxy, in call order (then clean). */
let pending: (GrpcFault | null)[] = [];

const sweepName = uniqueName('fuzz-answers');
let pausedId: string;
let completedId: string;
let idleId: string;
const idleQueues = taskQueues(uniqueName('fuzz-idle'));
/** Sweeps the fuzz cases started, with whether seedsweep said it started them. */
const started: { sweepId: string; reported: boolean }[] = [];
let references: { paused: SweepStatus; completed: SweepStatus; list: string };

const PAGE = { page: 2, pageSize: 2 };

beforeAll(async () => {
  proxy = await startGrpcFaultProxy({
    upstream: inject('temporalAddress'),
    faultFor: () => pending.shift() ?? undefined,
  });
  for (const name of Object.keys(process.env)) if (name.startsWith('TEMPORAL_')) delete process.env[name];
  process.env['TEMPORAL_ADDRESS'] = proxy.address;

  direct = await connect();
  worker = await startWorker({
    connection: direct.connection,
    bundle: suiteWorkflowBundle(),
    tracker: new MemoryTracker(),
    trainer: createNoopTrainer({ epochMilliseconds: 50 }),
    threads: 2,
  });
  const submit = async (spec: ReturnType<typeof tinySpec>, queues = worker.queues) =>
    (
      await submitSweep({
        client: direct.client,
        spec,
        datasetFingerprint: await fingerprintOf(spec),
        taskQueues: queues,
        sweepId: uniqueName('fuzz-sweep'),
      })
    ).sweepId;
  const spec = tinySpec({ name: sweepName, seeds: [0, 1, 2, 3, 4, 5], epochs: 30, concurrency: 1 });
  pausedId = await submit(spec);
  await pauseSweep({ client: direct.client, sweepId: pausedId, pause: true });
  completedId = await submit(tinySpec({ name: sweepName, seeds: [0, 1], epochs: 1, concurrency: 2 }));
  idleId = await submit(spec, idleQueues);
  await direct.client.workflow.getHandle(completedId).result();
  // The paused sweep settles once its running trial stopped at an epoch boundary.
  const paused = await until(async () => {
    const s = await getSweepStatus({ client: direct.client, sweepId: pausedId, progress: PAGE });
    return s.progress?.phase === 'paused' && s.progress.counts.running === 0 ? s : undefined;
  });
  references = {
    paused,
    completed: await getSweepStatus({ client: direct.client, sweepId: completedId, progress: PAGE }),
    list: listKey(await listSweeps({ client: direct.client, name: sweepName, limit: 10 })),
  };
});

afterAll(async () => {
  pending = [];
  if (direct) {
    for (const id of [pausedId, idleId, ...started.map((s) => s.sweepId)])
      if (id)
        await direct.client.workflow
          .getHandle(id)
          .terminate('fuzz done')
          .catch(() => undefined);
  }
  await worker?.stop();
  await direct?.connection.close();
  await proxy?.close();
});

/** The list as compared: ids and statuses of this file's sweeps (start times are the server's). */
function listKey(list: Awaited<ReturnType<typeof listSweeps>>): string {
  return JSON.stringify(list.filter((s) => [pausedId, completedId, idleId].includes(s.sweepId)));
}

const OPERATIONS = [
  'connect',
  'status-paused',
  'status-completed',
  'status-missing',
  'list',
  'start',
  'cancel',
] as const;
type Operation = (typeof OPERATIONS)[number];

/** Runs one operation through the proxy, as the CLI command does: open a session, call, close. */
async function runOperation(op: Operation): Promise<'correct' | 'wrong'> {
  const session = await openTemporalSession();
  try {
    const client = session.client;
    switch (op) {
      case 'connect':
        return 'correct';
      case 'status-paused':
      case 'status-completed': {
        const sweepId = op === 'status-paused' ? pausedId : completedId;
        const status = await getSweepStatus({ client, sweepId, progress: PAGE });
        const expected = op === 'status-paused' ? references.paused : references.completed;
        return JSON.stringify(status) === JSON.stringify(expected) ? 'correct' : 'wrong';
      }
      case 'status-missing':
        await getSweepStatus({ client, sweepId: uniqueName('no-such-sweep'), progress: PAGE });
        return 'wrong'; // it does not exist
      case 'list':
        return listKey(await listSweeps({ client, name: sweepName, limit: 10 })) === references.list
          ? 'correct'
          : 'wrong';
      case 'start': {
        const spec = tinySpec({ name: `${sweepName}-started`, seeds: [0], epochs: 1, concurrency: 1 });
        const sweepId = uniqueName('fuzz-started');
        const entry = { sweepId, reported: false };
        started.push(entry);
        const result = await submitSweep({
          client,
          spec,
          datasetFingerprint: await fingerprintOf(spec),
          taskQueues: idleQueues,
          sweepId,
        });
        entry.reported = true;
        return result.sweepId === sweepId ? 'correct' : 'wrong';
      }
      case 'cancel':
        await cancelSweep({ client, sweepId: idleId });
        return 'correct';
    }
  } finally {
    await session.close();
  }
}

type Outcome =
  | { kind: 'correct' }
  | { kind: 'wrong' }
  | { kind: 'clear'; code: string; line: string }
  | { kind: 'unclear'; code: string; line: string }
  | { kind: 'crash'; error: string }
  | { kind: 'hang' };

/** Codes an operation may answer with, and how their line must read. */
function isClearLine(code: string, line: string): boolean {
  if (line.includes('\n') || line.length > 2_100) return false;
  if (code === 'E_SWEEP_NOT_FOUND') return /no sweep with id/.test(line);
  if (code === 'E_SWEEP_RUNNING') return /is already running/.test(line);
  return /Temporal/.test(line) && /;|\. [A-Z]/.test(line);
}

async function runCase(op: Operation, faults: (GrpcFault | null)[]): Promise<Outcome> {
  pending = [...faults];
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'hang'>((resolve) => {
    timer = setTimeout(() => resolve('hang'), CASE_DEADLINE_MS);
  });
  try {
    const result = await Promise.race([runOperation(op), deadline]);
    if (result === 'hang') return { kind: 'hang' };
    return { kind: result };
  } catch (error) {
    if (isUserError(error)) {
      const { text } = formatCliError(error);
      const line = text.replace(/\n$/, '');
      if (op === 'status-missing' && error.code === 'E_SWEEP_NOT_FOUND') return { kind: 'correct' };
      return isClearLine(error.code, line)
        ? { kind: 'clear', code: error.code, line }
        : { kind: 'unclear', code: error.code, line };
    }
    return { kind: 'crash', error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  } finally {
    clearTimeout(timer);
    pending = [];
  }
}

// ---- Generated faults ----

const GRPC_CODES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
const RST_CODES = [0, 1, 2, 7, 8, 11];

const grpcMessage = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.constantFrom('', 'upstream connect error or disconnect/reset before headers', '%zz%', 'a\r\nb'),
  fc.integer({ min: 10_000, max: 200_000 }).map((n) => 'x'.repeat(n)),
);

const faultArb: fc.Arbitrary<GrpcFault> = fc.oneof(
  fc.record({
    kind: fc.constant('truncate' as const),
    fraction: fc.double({ min: 0, max: 0.999, noNaN: true }),
  }),
  fc.record({ kind: fc.constant('bitflip' as const), bits: fc.integer({ min: 1, max: 8 }), seed: fc.nat() }),
  fc.record({
    kind: fc.constant('length' as const),
    delta: fc.integer({ min: -50, max: 50 }).filter((d) => d !== 0),
    length: fc.option(fc.constantFrom(0, 1, 0x7fffffff, 0xffffffff), { nil: undefined }),
  }),
  fc.record({
    kind: fc.constant('random' as const),
    size: fc.integer({ min: 0, max: 2000 }),
    framed: fc.boolean(),
    seed: fc.nat(),
  }),
  fc.constant({ kind: 'other-message' as const }),
  fc.constant({ kind: 'empty-ok' as const }),
  fc.record({
    kind: fc.constant('status' as const),
    code: fc.oneof(fc.constantFrom(...GRPC_CODES), fc.integer({ min: 17, max: 1000 })),
    message: grpcMessage,
    keepBody: fc.boolean(),
    rawMessage: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('reset' as const),
    fraction: fc.double({ min: 0, max: 0.999, noNaN: true }),
    rstCode: fc.constantFrom(...RST_CODES),
  }),
  fc.record({ kind: fc.constant('stall' as const), ms: fc.integer({ min: 0, max: MAX_STALL_MS }) }),
  fc.constant({ kind: 'compressed-flag' as const }),
);

const caseArb = fc.record({
  op: fc.constantFrom(...OPERATIONS),
  // The i-th call of the case (connect's calls first) gets faults[i]; null and later calls go through clean.
  faults: fc.array(fc.option(faultArb, { nil: null, freq: 3 }), { minLength: 1, maxLength: 4 }),
});

const tally = { cases: 0, correct: 0, clear: 0, unclear: 0, crashes: 0, hangs: 0, wrong: 0, undetectable: 0 };

describe('Temporal answers through a gRPC fault proxy', () => {
  it('each fault kind once, on the first call after connecting: the right answer or one clear line', async () => {
    const kinds: GrpcFault[] = [
      { kind: 'truncate', fraction: 0.5 },
      { kind: 'bitflip', bits: 3, seed: 7 },
      { kind: 'length', delta: 10 },
      { kind: 'length', delta: 0, length: 0xffffffff },
      { kind: 'random', size: 100, framed: true, seed: 1 },
      { kind: 'other-message' },
      { kind: 'empty-ok' },
      { kind: 'status', code: 14, message: 'down', keepBody: false },
      { kind: 'status', code: 5, message: 'gone', keepBody: false },
      { kind: 'status', code: 3, message: 'a\nb', keepBody: false },
      { kind: 'status', code: 13, message: 'x'.repeat(100_000), keepBody: true },
      { kind: 'status', code: 99, message: '%zz', keepBody: false, rawMessage: true },
      { kind: 'reset', fraction: 0.3, rstCode: 2 },
      { kind: 'stall', ms: 300 },
      { kind: 'compressed-flag' },
    ];
    for (const [i, fault] of kinds.entries()) {
      const op = OPERATIONS[i % OPERATIONS.length] as Operation;
      const outcome = await runCase(op, [null, null, fault]);
      expect(
        ['correct', 'clear'],
        `${op} ${JSON.stringify(fault).slice(0, 80)}: ${JSON.stringify(outcome).slice(0, 600)}`,
      ).toContain(outcome.kind);
    }
  });

  it('a server that keeps failing a call gives one clear line, not the SDK error (status, list, start, cancel)', async () => {
    // A short deadline: the SDK would retry UNAVAILABLE for ~10 s before giving up.
    process.env['SEEDSWEEP_TEMPORAL_TIMEOUT_SECONDS'] = '3';
    try {
      const always = (fault: GrpcFault) => Array.from({ length: 40 }, (_, i) => (i < 2 ? null : fault));
      const down = await runCase(
        'status-paused',
        always({ kind: 'status', code: 14, message: 'down', keepBody: false }),
      );
      expect(down).toMatchObject({ kind: 'clear', code: 'E_TEMPORAL_UNREACHABLE' });
      if (down.kind === 'clear')
        expect(down.line).toMatch(
          /^error\[E_TEMPORAL_UNREACHABLE\]: Temporal at 127\.0\.0\.1:\d+ did not answer describing sweep \S+ .*check that the server is running/,
        );
      const refused = await runCase(
        'list',
        always({ kind: 'status', code: 3, message: 'line one\nline two', keepBody: false }),
      );
      expect(refused).toMatchObject({ kind: 'clear', code: 'E_TEMPORAL_ERROR' });
      const notFound = await runCase(
        'start',
        always({ kind: 'status', code: 5, message: '', keepBody: false }),
      );
      // NOT_FOUND on the start call is an answer it should not get; on the namespace check made while
      // connecting (the SDK's calls before it are not always two: a retried one moves it) it says the
      // namespace does not exist. Either is the one clear line this case is about.
      expect(notFound).toMatchObject({ kind: 'clear' });
      if (notFound.kind === 'clear')
        expect(notFound.line).toMatch(
          /^error\[E_TEMPORAL_ERROR\]: |^error\[E_TEMPORAL_NAMESPACE\]: .*the namespace \S+ does not exist/,
        );
      const denied = await runCase(
        'cancel',
        always({ kind: 'status', code: 7, message: 'no', keepBody: false }),
      );
      expect(denied).toMatchObject({ kind: 'clear', code: 'E_TEMPORAL_AUTH' });
    } finally {
      delete process.env['SEEDSWEEP_TEMPORAL_TIMEOUT_SECONDS'];
    }
  });

  it('an answer that never comes ends at the call deadline (SEEDSWEEP_TEMPORAL_TIMEOUT_SECONDS)', async () => {
    process.env['SEEDSWEEP_TEMPORAL_TIMEOUT_SECONDS'] = '2';
    try {
      // Every call after connecting stalls: the SDK retries a call its deadline ended (DEADLINE_EXCEEDED),
      // and a clean retry answering before our timer fires (a loaded machine) is an answer that came.
      const stalls = Array.from({ length: 20 }, (): GrpcFault => ({ kind: 'stall-forever' }));
      const outcome = await runCase('status-paused', [null, null, ...stalls]);
      expect(outcome).toMatchObject({ kind: 'clear', code: 'E_TEMPORAL_UNREACHABLE' });
    } finally {
      delete process.env['SEEDSWEEP_TEMPORAL_TIMEOUT_SECONDS'];
    }
  });

  it('every damaged answer gives the right result or one clear UserError line, in bounded time', async () => {
    const failures: string[] = [];
    const t0 = Date.now();
    await checkFuzz(
      'temporal-answers',
      fc.asyncProperty(caseArb, async ({ op, faults }) => {
        const outcome = await runCase(op, faults);
        tally.cases++;
        const detectable = !faults.some((f) => f?.kind === 'bitflip' || f?.kind === 'random');
        switch (outcome.kind) {
          case 'correct':
          case 'clear':
            tally[outcome.kind]++;
            return;
          case 'wrong':
            if (!detectable) {
              tally.undetectable++;
              return;
            }
            tally.wrong++;
            break;
          case 'hang':
            tally.hangs++;
            break;
          case 'unclear':
            tally.unclear++;
            break;
          case 'crash':
            tally.crashes++;
        }
        const failure = `${op} ${JSON.stringify(faults).slice(0, 300)} → ${JSON.stringify(outcome).slice(0, 1500)}`;
        failures.push(failure);
        // Thrown, so that fast-check shrinks the case and checkFuzz saves it for replay.
        throw new Error(failure);
      }),
      RUNS,
    );
    const seconds = ((Date.now() - t0) / 1000).toFixed(1);
    console.log(
      `temporal-answers: ${JSON.stringify(tally)} in ${seconds} s, ${proxy.calls.length} proxied calls so far`,
    );
    for (const f of failures.slice(0, 30)) console.log(f);
    expect(failures).toEqual([]);
  });

  it('the server is intact afterwards: every sweep a case reported started is there, and a clean status works', async () => {
    pending = [];
    for (const { sweepId, reported } of started) {
      const found = await direct.client.workflow
        .getHandle(sweepId)
        .describe()
        .then(
          () => true,
          () => false,
        );
      if (reported) expect(found, sweepId).toBe(true);
    }
    const status = await getSweepStatus({ client: direct.client, sweepId: pausedId, progress: PAGE });
    expect(status).toEqual(references.paused);
    expect(
      (await getSweepStatus({ client: direct.client, sweepId: completedId })).summary as SweepSummary,
    ).toMatchObject({ status: 'completed' });
  });
});
