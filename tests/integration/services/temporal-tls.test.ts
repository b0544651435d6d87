/**
 * seedsweep's settings for a real Temporal cluster — TEMPORAL_TLS_CA, TEMPORAL_TLS=true,
 * TEMPORAL_TLS_CERT/TEMPORAL_TLS_KEY (mTLS), TEMPORAL_API_KEY, TEMPORAL_NAMESPACE — tested for real.
 *
 * `temporal server start-dev` has no TLS options, so a TLS-terminating gRPC proxy
 * (tests/fixtures/tls/grpc-tls-proxy.ts) stands in front of the integration suite's dev server, with
 * certificates made by `openssl` into a temp folder at test time (tests/fixtures/tls/pki.ts): one
 * proxy with server TLS only, one that requires a client certificate from the test CA (mTLS), one
 * that requires `authorization: Bearer <key>` (API keys, answering gRPC UNAUTHENTICATED otherwise, as
 * Temporal Cloud does). Everything goes through seedsweep's own resolveTemporalSettings and
 * connectTemporal; sweeps run through a spawned `seedsweep worker` (mTLS, in a namespace created with
 * `temporal operator namespace create` over mTLS, as docs/scaling.md says) and an in-process worker
 * (API key).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createNoopTrainer } from '../../../src/temporal/activities/noop-trainer.js';
import { submitSweep } from '../../../src/temporal/client/sweeps.js';
import { isUserError, type UserError } from '../../../src/core/common/errors.js';
import { PACKAGE_ROOT } from '../../../src/core/common/paths.js';
import {
  connectTemporal,
  createTemporalClient,
  resolveTemporalSettings,
  type TemporalSettings,
} from '../../../src/temporal/shared/connection.js';
import { taskQueues, type SweepSummary, type TaskQueues } from '../../../src/temporal/shared/shared.js';
import { requireExecutable } from '../../../src/services/local-server.js';
import { installTemporalRuntime } from '../../../src/temporal/workers/runtime.js';
import { createSweepWorkers } from '../../../src/temporal/workers/sweep-worker.js';
import { startGrpcTlsProxy, type GrpcTlsProxy } from '../../fixtures/tls/grpc-tls-proxy.js';
import { makeTestPki, type TestPki } from '../../fixtures/tls/pki.js';
import { MemoryTracker } from '../temporal/memory-tracker.js';
import { fingerprintOf, suiteWorkflowBundle, tinySpec, uniqueName } from '../temporal/harness.js';
import { cliArgs } from '../../cli-entry.js';

const run = promisify(execFile);

const API_KEY = `test-api-key-${randomUUID()}`;

let dir: string;
let pki: TestPki;
let bundle: { code: string };
let bundleFile: string;
let tlsProxy: GrpcTlsProxy;
let mtlsProxy: GrpcTlsProxy;
let keyProxy: GrpcTlsProxy;
const children: ChildProcess[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'seedsweep-tls-'));
  pki = makeTestPki(path.join(dir, 'pki'));
  const server = {
    upstream: inject('temporalAddress'),
    cert: readFileSync(pki.serverCert),
    key: readFileSync(pki.serverKey),
  };
  [tlsProxy, mtlsProxy, keyProxy] = await Promise.all([
    startGrpcTlsProxy(server),
    startGrpcTlsProxy({ ...server, clientCa: readFileSync(pki.caCert) }),
    startGrpcTlsProxy({ ...server, apiKey: API_KEY }),
  ]);
  installTemporalRuntime();
  bundle = suiteWorkflowBundle();
  bundleFile = inject('workflowBundleFile');
});

afterAll(async () => {
  // Only the worker processes this file spawned, by pid, if a test failed before stopping them.
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all([tlsProxy?.close(), mtlsProxy?.close(), keyProxy?.close()]);
  if (dir && !process.env['SEEDSWEEP_KEEP_TEST_DIR']) rmSync(dir, { recursive: true, force: true });
});

interface Session {
  settings: TemporalSettings;
  connection: NativeConnection;
  client: Client;
}

/** What a CLI command or worker does: settings from `env` (never the embedded server), connect, client. */
async function connectWith(env: NodeJS.ProcessEnv): Promise<Session> {
  const settings = await resolveTemporalSettings({ env, embedded: false });
  const connection = await connectTemporal(settings);
  return { settings, connection, client: createTemporalClient(connection, settings) };
}

/** A client call as the CLI makes them: system info, then listing workflows. */
async function listSomeWorkflows(client: Client): Promise<number> {
  const info = await client.workflowService.getSystemInfo({});
  expect(info.serverVersion).toMatch(/^\d+\.\d+/);
  let count = 0;
  for await (const _ of client.workflow.list()) if (++count >= 5) break;
  return count;
}

/** The UserError a failed connection attempt throws (the test fails if it connects). */
async function connectError(env: NodeJS.ProcessEnv): Promise<UserError> {
  let session: Session | undefined;
  try {
    session = await connectWith(env);
  } catch (error) {
    if (isUserError(error)) return error;
    throw error;
  }
  await session.connection.close();
  throw new Error(`connected to ${env['TEMPORAL_ADDRESS']} although it should have failed`);
}

const methodOf = (callPath: string) => callPath.slice(callPath.lastIndexOf('/') + 1);

/** Submits a 2-trial, 1-epoch sweep on `queues` and waits for its result. */
async function runTinySweep(client: Client, queues: TaskQueues): Promise<SweepSummary> {
  const spec = tinySpec({ name: uniqueName('tls'), seeds: [0, 1], epochs: 1, concurrency: 2 });
  const { sweepId } = await submitSweep({
    client,
    spec,
    datasetFingerprint: await fingerprintOf(spec),
    taskQueues: queues,
  });
  return (await client.workflow.getHandle(sweepId).result()) as SweepSummary;
}

describe('TLS with a private CA (TEMPORAL_TLS_CA)', () => {
  it('connects through the TLS proxy with TEMPORAL_TLS_CA and lists workflows', async () => {
    const before = tlsProxy.calls.length;
    const { connection, client, settings } = await connectWith({
      TEMPORAL_ADDRESS: tlsProxy.address,
      TEMPORAL_TLS_CA: pki.caCert,
    });
    try {
      expect(settings).toMatchObject({ address: tlsProxy.address, tls: { caFile: pki.caCert } });
      await listSomeWorkflows(client);
    } finally {
      await connection.close();
    }
    const methods = tlsProxy.calls.slice(before).map((c) => methodOf(c.path));
    expect(methods).toEqual(
      expect.arrayContaining(['GetSystemInfo', 'DescribeNamespace', 'ListWorkflowExecutions']),
    );
  });

  it('without the CA (system roots only) or with the wrong CA: E_TEMPORAL_UNREACHABLE naming the address and TEMPORAL_TLS_CA', async () => {
    const systemRoots = await connectError({ TEMPORAL_ADDRESS: tlsProxy.address, TEMPORAL_TLS: 'true' });
    expect(systemRoots.code).toBe('E_TEMPORAL_UNREACHABLE');
    expect(systemRoots.message).toContain(`cannot connect to Temporal at ${tlsProxy.address}`);
    expect(systemRoots.message).toMatch(/not signed by a CA this client trusts/);
    expect(systemRoots.message).toMatch(/Set TEMPORAL_TLS_CA to/);

    const wrongCa = await connectError({
      TEMPORAL_ADDRESS: tlsProxy.address,
      TEMPORAL_TLS_CA: pki.otherCaCert,
    });
    expect(wrongCa.code).toBe('E_TEMPORAL_UNREACHABLE');
    expect(wrongCa.message).toContain(tlsProxy.address);
    expect(wrongCa.message).toContain(`TEMPORAL_TLS_CA (${pki.otherCaCert}) is not the CA`);
  });

  it('says so when TLS is off for a TLS endpoint, and on for a plaintext one', async () => {
    const off = await connectError({ TEMPORAL_ADDRESS: tlsProxy.address });
    expect(off.code).toBe('E_TEMPORAL_UNREACHABLE');
    expect(off.message).toContain(tlsProxy.address);
    expect(off.message).toMatch(/TLS is off.*set TEMPORAL_TLS=true/);

    const plaintext = inject('temporalAddress');
    const on = await connectError({ TEMPORAL_ADDRESS: plaintext, TEMPORAL_TLS_CA: pki.caCert });
    expect(on.code).toBe('E_TEMPORAL_UNREACHABLE');
    expect(on.message).toContain(plaintext);
    expect(on.message).toMatch(/did not answer in TLS/);
  });
});

describe('mTLS (TEMPORAL_TLS_CERT + TEMPORAL_TLS_KEY)', () => {
  it('creates a namespace with `temporal operator namespace create` over mTLS and runs a sweep in it on a `seedsweep worker` process', async () => {
    const namespace = uniqueName('sweeps');
    // The docs' self-hosted step, with the Temporal CLI's own TLS flags.
    const temporal = requireExecutable('temporal', 'TEMPORAL_CLI_PATH', 'run scripts/setup.sh');
    const cliEnv = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir };
    const created = await run(
      temporal,
      [
        'operator',
        'namespace',
        'create',
        '--namespace',
        namespace,
        '--address',
        mtlsProxy.address,
        '--tls-ca-path',
        pki.caCert,
        '--tls-cert-path',
        pki.clientCert,
        '--tls-key-path',
        pki.clientKey,
      ],
      { env: cliEnv },
    );
    expect(created.stdout).toContain(`Namespace ${namespace} successfully registered`);

    const temporalEnv = {
      TEMPORAL_ADDRESS: mtlsProxy.address,
      TEMPORAL_NAMESPACE: namespace,
      TEMPORAL_TLS_CA: pki.caCert,
      TEMPORAL_TLS_CERT: pki.clientCert,
      TEMPORAL_TLS_KEY: pki.clientKey,
    };
    const queues = taskQueues(uniqueName('mtls'));
    const workerDir = path.join(dir, 'worker-mtls');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...temporalEnv,
      MLFLOW_TRACKING_URI: inject('mlflowUri'),
      SEEDSWEEP_STATE_DIR: path.join(workerDir, 'state'),
      SEEDSWEEP_CHECKPOINT_DIR: path.join(workerDir, 'checkpoints'),
      SEEDSWEEP_WORKFLOW_BUNDLE: bundleFile,
    };
    delete env['TEMPORAL_API_KEY'];
    delete env['TEMPORAL_TLS'];
    const worker = spawn(
      process.execPath,
      [
        ...cliArgs(),
        'worker',
        '--trainer',
        'noop',
        '--threads',
        '1',
        '--queue-prefix',
        queues.control.replace(/-control$/, ''),
      ],
      { cwd: PACKAGE_ROOT, env, stdio: ['ignore', 'inherit', 'pipe'] },
    );
    children.push(worker);
    const exited = new Promise<number | null>((resolve) => worker.once('exit', (code) => resolve(code)));
    let stderr = '';
    const ready = new Promise<void>((resolve, reject) => {
      worker.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        process.stderr.write(chunk);
        if (/ready: Temporal/.test(stderr)) resolve();
      });
      void exited.then((code) =>
        reject(new Error(`worker exited (${code}) before it was ready:\n${stderr}`)),
      );
    });
    await ready;
    expect(stderr).toContain(`ready: Temporal ${mtlsProxy.address} namespace ${namespace}`);

    const { connection, client } = await connectWith(temporalEnv);
    try {
      const summary = await runTinySweep(client, queues);
      expect(summary.status).toBe('completed');
      expect(summary.counts).toMatchObject({ total: 2, finished: 2, failed: 0 });
    } finally {
      await connection.close();
    }
    worker.kill('SIGTERM');
    expect(await exited).toBe(0);

    // Everything went through the proxy, on a verified client certificate: the worker's polls too.
    expect(mtlsProxy.calls.every((c) => c.clientCertCn === 'seedsweep-worker')).toBe(true);
    // Calls on the namespace also name it in the `temporal-namespace` header, which proxies can route by.
    const polls = mtlsProxy.calls.filter((c) => methodOf(c.path) === 'PollActivityTaskQueue');
    expect(polls.length).toBeGreaterThan(0);
    expect(polls.every((c) => c.namespace === namespace)).toBe(true);
    for (const method of [
      'RegisterNamespace',
      'StartWorkflowExecution',
      'PollWorkflowTaskQueue',
      'PollActivityTaskQueue',
      'RespondActivityTaskCompleted',
    ])
      expect(mtlsProxy.methods().has(method)).toBe(true);
  });

  it('is refused without a client certificate, and with one the server does not trust, saying what to set', async () => {
    const errorsBefore = mtlsProxy.tlsErrors.length;
    const none = await connectError({ TEMPORAL_ADDRESS: mtlsProxy.address, TEMPORAL_TLS_CA: pki.caCert });
    expect(none.code).toBe('E_TEMPORAL_UNREACHABLE');
    expect(none.message).toContain(mtlsProxy.address);
    expect(none.message).toMatch(/set TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY/i);

    const untrusted = await connectError({
      TEMPORAL_ADDRESS: mtlsProxy.address,
      TEMPORAL_TLS_CA: pki.caCert,
      TEMPORAL_TLS_CERT: pki.otherClientCert,
      TEMPORAL_TLS_KEY: pki.otherClientKey,
    });
    expect(untrusted.code).toBe('E_TEMPORAL_UNREACHABLE');
    expect(untrusted.message).toContain(mtlsProxy.address);
    expect(untrusted.message).toContain(`TEMPORAL_TLS_CERT (${pki.otherClientCert})`);
    // The proxy refused both handshakes: no call reached the dev server without a trusted certificate.
    expect(mtlsProxy.tlsErrors.length).toBeGreaterThan(errorsBefore);
    expect(mtlsProxy.calls.every((c) => c.clientCertCn === 'seedsweep-worker')).toBe(true);
  });
});

describe('API key (TEMPORAL_API_KEY)', () => {
  it('runs a sweep on an in-process worker with the key sent on every call, polls included', async () => {
    const before = keyProxy.calls.length;
    const { connection, client, settings } = await connectWith({
      TEMPORAL_ADDRESS: keyProxy.address,
      TEMPORAL_API_KEY: API_KEY,
      TEMPORAL_TLS_CA: pki.caCert,
    });
    try {
      expect(settings.apiKey).toBe(API_KEY);
      await listSomeWorkflows(client);
      const queues = taskQueues(uniqueName('apikey'));
      const workers = await createSweepWorkers({
        connection,
        namespace: settings.namespace,
        taskQueues: queues,
        trainingQueue: 'cpu',
        trainer: createNoopTrainer(),
        maxConcurrentTrials: 2,
        tracker: new MemoryTracker(),
        checkpointRoot: path.join(dir, 'apikey-checkpoints'),
        reportRoot: path.join(dir, 'apikey-reports'),
        workflowBundle: bundle,
      });
      const running = workers.run();
      try {
        const summary = await runTinySweep(client, queues);
        expect(summary.status).toBe('completed');
        expect(summary.counts).toMatchObject({ total: 2, finished: 2, failed: 0 });
      } finally {
        workers.shutdown();
        await running;
      }
    } finally {
      await connection.close();
    }
    const calls = keyProxy.calls.slice(before);
    expect(calls.every((c) => c.authorization === `Bearer ${API_KEY}` && c.forwarded)).toBe(true);
    const methods = new Set(calls.map((c) => methodOf(c.path)));
    for (const method of ['StartWorkflowExecution', 'PollWorkflowTaskQueue', 'PollActivityTaskQueue'])
      expect(methods.has(method)).toBe(true);
  });

  it('a wrong or missing key is refused (E_TEMPORAL_AUTH, saying what to check); a wrong namespace is E_TEMPORAL_NAMESPACE', async () => {
    const wrong = await connectError({
      TEMPORAL_ADDRESS: keyProxy.address,
      TEMPORAL_API_KEY: 'not-the-key',
      TEMPORAL_TLS_CA: pki.caCert,
    });
    expect(wrong.code).toBe('E_TEMPORAL_AUTH');
    expect(wrong.message).toContain(`cannot connect to Temporal at ${keyProxy.address}`);
    expect(wrong.message).toMatch(/rejected the API key .*Check TEMPORAL_API_KEY/);
    expect(wrong.message).not.toContain('not-the-key');

    const missing = await connectError({ TEMPORAL_ADDRESS: keyProxy.address, TEMPORAL_TLS_CA: pki.caCert });
    expect(missing.code).toBe('E_TEMPORAL_AUTH');
    expect(missing.message).toMatch(/requires credentials .*Set TEMPORAL_API_KEY/);

    const noNamespace = await connectError({
      TEMPORAL_ADDRESS: keyProxy.address,
      TEMPORAL_API_KEY: API_KEY,
      TEMPORAL_TLS_CA: pki.caCert,
      TEMPORAL_NAMESPACE: 'no-such-namespace',
    });
    expect(noNamespace.code).toBe('E_TEMPORAL_NAMESPACE');
    expect(noNamespace.message).toContain(keyProxy.address);
    expect(noNamespace.message).toMatch(/namespace no-such-namespace does not exist/);
    expect(noNamespace.message).toContain('temporal operator namespace create --namespace no-such-namespace');
  });
});

describe('settings errors', () => {
  it('TEMPORAL_TLS_CERT without TEMPORAL_TLS_KEY, or an unreadable file, is E_TEMPORAL_TLS before any connection', async () => {
    const before = mtlsProxy.calls.length + mtlsProxy.tlsErrors.length;
    const half = await connectError({
      TEMPORAL_ADDRESS: mtlsProxy.address,
      TEMPORAL_TLS_CA: pki.caCert,
      TEMPORAL_TLS_CERT: pki.clientCert,
    });
    expect(half.code).toBe('E_TEMPORAL_TLS');
    expect(half.message).toMatch(/TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be set together/);

    const missingFile = path.join(dir, 'no-such-ca.pem');
    const unreadable = await connectError({
      TEMPORAL_ADDRESS: mtlsProxy.address,
      TEMPORAL_TLS_CA: missingFile,
    });
    expect(unreadable.code).toBe('E_TEMPORAL_TLS');
    expect(unreadable.message).toContain(`cannot read TEMPORAL_TLS_CA file ${missingFile}`);
    expect(mtlsProxy.calls.length + mtlsProxy.tlsErrors.length).toBe(before);
  });
});
