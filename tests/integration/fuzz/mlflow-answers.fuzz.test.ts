/**
 * Generated faults in MLflow's answers (issue 20, item 1): a loopback proxy in front of the real MLflow
 * of the integration setup forwards every request and mangles the answers from a fast-check-generated
 * list (scripts/answer-faults.ts: cut short, malformed or mistyped JSON, missing, extra, huge or deeply
 * nested fields, empty bodies, HTML pages, wrong content types, MLflow errors with a 200, other
 * statuses, connections closed mid-body, stalls, drips). The real tracking code goes through it:
 * - writes, as a worker's trial makes them (a sweep's start, a first start, epochs, the end; journaled
 *   and sent): every call and every sync gives a result or one UserError line, never a crash or a
 *   hang; then, with the proxy passing everything, sync until nothing is pending, and MLflow holds the
 *   trial's one run with every metric point exactly once (0 lost, 0 duplicated). An entry MLflow's
 *   answer rejected for good (a generated 4xx) is kept in `failed/`, reported, and its points are
 *   never duplicated;
 * - reads (experiment look-up and creation, paged run and experiment searches, metric history, the
 *   finished-trial reads of `report` and reuse): the true value (read without the proxy) or one
 *   UserError; a garbled answer never becomes a wrong value such as "no runs".
 *
 * What no client can tell is not generated: a well-formed answer that lies (MLflow's own error JSON
 * with a 4xx saying "does not exist", a search page without its `next_page_token`, another id).
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { mkdtempSync, readdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isUserError } from '../../../src/core/common/errors.js';
import { MlflowClient } from '../../../src/tracking/mlflow-client.js';
import { MlflowTracker } from '../../../src/tracking/mlflow-tracker.js';
import { epochMetricValues, finalMetricValues, TAG } from '../../../src/tracking/run-data.js';
import { RunIndex } from '../../../src/tracking/run-index.js';
import {
  garble,
  JSON_TYPES,
  sendAnswer,
  type AnswerFault,
  type BodyFault,
  type Sending,
} from '../../../scripts/answer-faults.js';
import { checkFuzz } from '../../fuzz-support.js';
import { epochMetrics, plannedTrial, trialResult } from '../tracking/fixtures.js';

/** Cases in `npm test` (×10 under `npm run fuzz`); each sends 10–30 answers through the proxy. */
const WRITE_CASES = 12;
const READ_CASES = 50;
/** The proxied client's timeout: stalls and drips last up to twice as long. */
const TIMEOUT_MS = 600;
/** How long the healing passes (no faults) may take to empty a case's outbox before it counts as lost. */
const HEAL_MS = 30_000;
/** Each test's bound: the suite's 600 s, times the scale of `npm run fuzz`. */
const TEST_TIMEOUT_MS = 600_000 * Math.max(1, Number(process.env['SEEDSWEEP_FUZZ_SCALE'] ?? 1) || 1);
/** A case that has not settled by then hangs. */
const CASE_BOUND_MS = 60_000;

const workDir = mkdtempSync(path.join(os.tmpdir(), 'seedsweep-answer-fuzz-'));
const unique = (prefix: string) =>
  `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

// ---- generated faults ----------------------------------------------------------------------------

const at = fc.integer({ min: 0, max: 999_999 });
const pick = fc.nat({ max: 10_000 });
const json = fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<never>;

const bodyFault: fc.Arbitrary<BodyFault> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('cut' as const), at }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('junk' as const),
      at,
      junk: fc.oneof(fc.constantFrom('}', '{', '"', ',', '\u0000', 'NaN', ']]', '\ufffd'), fc.string()),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('wrong-type' as const),
      pick,
      type: fc.constantFrom(...JSON_TYPES),
      seed: fc.nat(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('array-as-string' as const), pick }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('drop-field' as const), pick }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('extra-fields' as const),
      pick,
      fields: fc.dictionary(fc.string({ maxLength: 12 }), json, { maxKeys: 3 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('huge-string' as const),
      pick,
      length: fc.integer({ min: 70_000, max: 400_000 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('deep-nesting' as const),
      pick,
      depth: fc.integer({ min: 10, max: 50_000 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('replace' as const),
      with: fc.constantFrom('empty' as const, 'html' as const, 'error-json' as const, 'text' as const),
      text: fc.string({ maxLength: 40 }),
    }),
  },
);

const sending: fc.Arbitrary<Sending> = fc.oneof(
  { weight: 12, arbitrary: fc.constant({ kind: 'whole' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('close-mid-body' as const), at }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('stall' as const),
      ms: fc.integer({ min: 0, max: 2 * TIMEOUT_MS }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('drip' as const),
      bytes: fc.integer({ min: 1, max: 512 }),
      gapMs: fc.integer({ min: 0, max: 30 }),
    }),
  },
);

const STATUSES = [
  200, 201, 202, 204, 206, 301, 302, 304, 307, 308, 400, 401, 403, 404, 405, 409, 410, 413,
] as const;

/** Another status in one fault of four, another content type in one of six. */
const answerFault: fc.Arbitrary<AnswerFault> = fc
  .record({
    status: fc.option(
      fc.oneof(
        fc.constantFrom(...STATUSES),
        fc.constantFrom(422, 429, 500, 501, 502, 503, 504, 599),
        fc.integer({ min: 200, max: 599 }),
      ),
      { freq: 3, nil: undefined },
    ),
    contentType: fc.option(
      fc.constantFrom('text/html', 'text/plain', 'application/octet-stream', 'application/xml', ''),
      { freq: 5, nil: undefined },
    ),
    body: fc.array(bodyFault, { minLength: 0, maxLength: 2 }),
    sending,
  })
  .map(({ status, contentType, body, sending: how }): AnswerFault => ({
    ...(status !== undefined ? { status } : {}),
    ...(contentType !== undefined ? { contentType } : {}),
    body,
    sending: how,
  }));

/** Per request in order: its fault, or `null` to pass the answer as it is. After the list: pass. */
const faultList = fc.array(fc.option(answerFault, { freq: 3 }), { minLength: 1, maxLength: 14 });

// ---- the proxy -----------------------------------------------------------------------------------

/** Forwards every request to MLflow, then answers with the next fault of its list applied. */
class GarblingProxy {
  uri = '';
  faults: (AnswerFault | null)[] = [];
  /** Answers sent, and of them garbled. */
  answers = 0;
  garbled = 0;
  private server: Server | undefined;

  constructor(private readonly target: string) {}

  async start(): Promise<void> {
    const target = new URL(this.target);
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const fault = this.faults.shift() ?? null;
        const upstream = httpRequest(
          {
            host: target.hostname,
            port: target.port,
            method: req.method,
            path: req.url,
            headers: { ...req.headers, host: target.host },
          },
          (answer) => {
            const body: Buffer[] = [];
            answer.on('data', (c: Buffer) => body.push(c));
            answer.on('end', () => {
              this.answers++;
              const real = {
                status: answer.statusCode ?? 502,
                headers: answer.headers as IncomingHttpHeaders,
                body: Buffer.concat(body),
              };
              if (!fault) {
                void sendAnswer(res, garble(real, { body: [], sending: { kind: 'whole' } }), {
                  kind: 'whole',
                });
                return;
              }
              this.garbled++;
              Promise.resolve()
                .then(() => sendAnswer(res, garble(real, fault), fault.sending))
                .catch(() => res.destroy());
            });
          },
        );
        upstream.on('error', () => res.destroy());
        upstream.end(Buffer.concat(chunks));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.uri = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

// ---- the property's parts ------------------------------------------------------------------------

/** What the cases saw, for the README table. */
const tally = {
  cases: 0,
  answers: 0,
  garbled: 0,
  clearErrors: 0,
  crashes: 0,
  hangs: 0,
  lost: 0,
  rejected: 0,
};

/** A message that is one line and no crash (no stack, no TypeError and kin). */
function isClearLine(message: string): boolean {
  return (
    !message.includes('\n') &&
    !/\b(TypeError|RangeError|ReferenceError|SyntaxError|Maximum call stack|undefined is not|Cannot read prop)/.test(
      message,
    )
  );
}

/** Runs `fn`: its value, or the UserError it threw (a clear error); anything else is a crash. */
async function outcome<T>(fn: () => Promise<T>): Promise<{ value: T } | { error: string }> {
  try {
    return { value: await fn() };
  } catch (error) {
    // A read's value that is not the true one: the expectation's own failure, passed on.
    if (error instanceof Error && error.name === 'AssertionError') throw error;
    const message = error instanceof Error ? error.message : String(error);
    if (!isUserError(error) || !isClearLine(message) || !/MLflow|tracking server/.test(message)) {
      tally.crashes++;
      const crash = `not one clear UserError: ${error instanceof Error ? (error.stack ?? message) : message}`;
      // Printed at once: shrinking a slow case may outlast the test's bound.
      if (tally.crashes === 1) console.error(crash);
      throw new Error(crash);
    }
    tally.clearErrors++;
    return { error: `${error.code}: ${message}` };
  }
}

/** `promise`, or a failure once the case bound is reached. */
async function bounded<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          tally.hangs++;
          reject(new Error(`the case did not settle within ${CASE_BOUND_MS} ms (a hang)`));
        }, CASE_BOUND_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

describe('MLflow answers through a garbling proxy (generated)', () => {
  const proxy = new GarblingProxy(inject('mlflowUri'));
  const direct = new MlflowClient({ trackingUri: inject('mlflowUri') });
  let proxied: MlflowClient;

  beforeAll(async () => {
    await proxy.start();
    proxied = new MlflowClient({
      trackingUri: proxy.uri,
      timeoutMs: TIMEOUT_MS,
      maxRetries: 2,
      retryBaseDelayMs: 1,
      retryMaxDelayMs: 20,
    });
  });
  afterAll(async () => {
    await proxy.stop();
    console.log(
      `mlflow-answers fuzz: ${tally.cases} cases, ${tally.answers} answers of which ${tally.garbled} garbled; ` +
        `${tally.clearErrors} clear errors, ${tally.crashes} crashes, ${tally.hangs} hangs, ${tally.lost} lost points, ` +
        `${tally.rejected} entries rejected for good (kept in failed/)`,
    );
  });

  it(
    'writes a trial as a worker does: one clear error or none per call, then every point once after sync',
    async () => {
      const epochs = 3;
      const property = fc.asyncProperty(faultList, async (faults) => {
        tally.cases++;
        const before = { answers: proxy.answers, garbled: proxy.garbled };
        const warnings: string[] = [];
        const tracker = new MlflowTracker({
          client: proxied,
          outboxDir: path.join(workDir, unique('outbox')),
          autoSync: false,
          warn: (message) => warnings.push(message),
        });
        const sweepId = unique('sweep');
        const sweepName = unique('answers');
        const trial = plannedTrial({ trialKey: unique('trial'), seed: 1 });
        const result = trialResult({ epochs, seed: 1 });
        const syncErrors: string[] = [];
        const sync = async () => {
          const synced = await outcome(() => tracker.sync());
          if ('value' in synced && synced.value.error !== undefined) syncErrors.push(synced.value.error);
        };
        proxy.faults = [...faults];
        await bounded(
          (async () => {
            await outcome(() => tracker.startSweep({ sweepId, sweepName, tags: {} }));
            await sync();
            await outcome(() =>
              tracker.startTrial(sweepId, trial, { [TAG.attempt]: '1' }, { firstStart: true }),
            );
            await sync();
            for (const metrics of result.epochs) {
              await outcome(() => tracker.logEpoch(sweepId, trial.trialKey, metrics, 1));
              await sync();
            }
            await outcome(() =>
              tracker.finishTrial(sweepId, trial.trialKey, { status: 'FINISHED', result, attempt: 1, trial }),
            );
            await sync();
            // The server answers properly again: everything journaled goes out. Passes until the
            // outbox is empty or HEAL_MS is over, not a fixed few: on a loaded machine (load 20) a clean
            // answer can take longer than the proxied client's 600 ms, which is no lost write.
            proxy.faults = [];
            const healBy = Date.now() + HEAL_MS;
            while (tracker.pendingCount() > 0 && Date.now() < healBy) await sync();
          })(),
        );
        tally.answers += proxy.answers - before.answers;
        tally.garbled += proxy.garbled - before.garbled;
        tally.clearErrors += syncErrors.length;
        for (const message of [...warnings, ...syncErrors])
          if (!isClearLine(message)) {
            tally.crashes++;
            if (tally.crashes === 1)
              console.error(`a warning or sync error is not one clear line: ${message}`);
            throw new Error(`a warning or sync error is not one clear line: ${message}`);
          }
        expect(tracker.pendingCount(), `pending after healing; warnings: ${warnings.join(' | ')}`).toBe(0);
        const rejected = tracker.outbox.failedCount();
        tally.rejected += rejected;
        // A rejection is MLflow's word (a generated 4xx): kept and reported, never a crash in disguise.
        const failedDir = path.join(tracker.outbox.dir, 'failed');
        for (const name of rejected > 0 ? readdirSync(failedDir) : [])
          expect(name, 'failed/ entry').not.toMatch(/TypeError/);

        // In MLflow: the trial's active runs, each point at most once; with nothing rejected, every point.
        const experimentId = await direct.getExperimentIdByName(sweepName);
        const runs =
          experimentId === undefined
            ? []
            : await direct.searchRuns({
                experimentIds: [experimentId],
                filter: `tags.\`${TAG.trialKey}\` = '${trial.trialKey}'`,
              });
        const expected = new Map<string, number>();
        for (const metrics of result.epochs)
          for (const key of Object.keys(epochMetricValues(epochMetrics(metrics.epoch, 1))))
            expected.set(`${key}@${metrics.epoch}`, 0);
        for (const key of Object.keys(finalMetricValues(result))) expected.set(`${key}@0`, 0);
        for (const run of runs)
          for (const key of new Set([...expected.keys()].map((k) => k.split('@')[0]!)))
            for (const point of await direct.getMetricHistory({ runId: run.runId, key })) {
              const id = `${key}@${point.step}`;
              expected.set(id, (expected.get(id) ?? 0) + 1);
            }
        const duplicated = [...expected].filter(([, n]) => n > 1);
        const missing = [...expected].filter(([, n]) => n === 0);
        expect(duplicated, 'duplicated metric points').toEqual([]);
        expect(runs.length, 'active runs of the trial').toBeLessThanOrEqual(1);
        if (rejected === 0) {
          tally.lost += missing.length;
          expect(missing, `lost metric points; warnings: ${warnings.join(' | ')}`).toEqual([]);
          expect(runs[0]?.status).toBe('FINISHED');
        }
      });
      await checkFuzz('mlflow-answers-writes', property, WRITE_CASES);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'reads the true value or fails with one clear error, never a garbled value',
    async () => {
      // A finished sweep of a few trials, written without the proxy.
      const sweepId = unique('read-sweep');
      const sweepName = unique('answers-read');
      const writer = new MlflowTracker({
        client: direct,
        outboxDir: path.join(workDir, unique('outbox')),
        autoSync: false,
        warn: () => undefined,
      });
      await writer.startSweep({ sweepId, sweepName, tags: {} });
      const trials = [1, 2, 3, 4, 5].map((seed) => plannedTrial({ trialKey: unique(`read-${seed}`), seed }));
      for (const trial of trials) {
        await writer.startTrial(sweepId, trial, { [TAG.attempt]: '1' }, { firstStart: true });
        await writer.finishTrial(sweepId, trial.trialKey, {
          status: 'FINISHED',
          result: trialResult({ epochs: 2, seed: trial.seed }),
          attempt: 1,
          trial,
        });
      }
      expect((await writer.sync()).pending).toBe(0);
      const byKey = (a: { trialKey: string }, b: { trialKey: string }) => (a.trialKey < b.trialKey ? -1 : 1);
      const truthIndex = new RunIndex({ client: direct, indexDir: path.join(workDir, unique('index')) });
      const experimentId = (await direct.getExperimentIdByName(sweepName))!;
      const searchOptions = {
        experimentIds: [experimentId],
        orderBy: ['attributes.start_time ASC'],
        pageSize: 2,
      };
      const truthRuns = await direct.searchRuns(searchOptions);
      const runId = truthRuns.find((r) => r.tags[TAG.role] === 'trial')!.runId;
      const truth = {
        experimentId,
        runs: truthRuns,
        run: await direct.getRun(runId),
        history: await direct.getMetricHistory({ runId, key: 'test_loss' }),
        finished: (await truthIndex.finishedTrials({ sweepName })).sort(byKey),
        byKeys: (await truthIndex.finishedTrialsByKeys(trials.map((t) => t.trialKey))).sort(byKey),
      };
      expect(truth.finished).toHaveLength(5);
      expect(truth.history).toHaveLength(2);

      const reads: Record<string, () => Promise<unknown>> = {
        'experiment by name': async () =>
          expect(await proxied.getExperimentIdByName(sweepName)).toBe(experimentId),
        'experiment get or create': async () =>
          expect(await proxied.getOrCreateExperiment(sweepName)).toBe(experimentId),
        'experiment list': async () => {
          const ids = await proxied.listExperimentIds();
          expect(ids).toContain(experimentId);
          expect(new Set(ids).size).toBe(ids.length);
        },
        'run search, paged': async () => expect(await proxied.searchRuns(searchOptions)).toEqual(truth.runs),
        'run get': async () => expect(await proxied.getRun(runId)).toEqual(truth.run),
        'metric history': async () =>
          expect(await proxied.getMetricHistory({ runId, key: 'test_loss' })).toEqual(truth.history),
        'finished trials of a sweep (report)': async () => {
          const index = new RunIndex({ client: proxied, indexDir: path.join(workDir, unique('index')) });
          expect((await index.finishedTrials({ sweepName })).sort(byKey)).toEqual(truth.finished);
        },
        'finished trials by key (reuse)': async () => {
          const index = new RunIndex({ client: proxied, indexDir: path.join(workDir, unique('index')) });
          expect((await index.finishedTrialsByKeys(trials.map((t) => t.trialKey))).sort(byKey)).toEqual(
            truth.byKeys,
          );
        },
      };
      const property = fc.asyncProperty(
        fc.constantFrom(...Object.keys(reads)),
        faultList,
        async (read, faults) => {
          tally.cases++;
          const before = { answers: proxy.answers, garbled: proxy.garbled };
          proxy.faults = [...faults];
          try {
            // A value that is read is the true one (the expectation inside); else one clear error.
            await bounded(outcome(reads[read]!));
          } finally {
            proxy.faults = [];
            tally.answers += proxy.answers - before.answers;
            tally.garbled += proxy.garbled - before.garbled;
          }
        },
      );
      await checkFuzz('mlflow-answers-reads', property, READ_CASES);
    },
    TEST_TIMEOUT_MS,
  );
});
