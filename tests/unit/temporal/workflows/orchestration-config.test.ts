/** Pure parts of the orchestration's configuration: connection settings, sweep ids, worker flags, queues. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  nativeConnectionOptions,
  resolveTemporalSettings,
} from '../../../../src/temporal/shared/connection.js';
import { makeSweepId } from '../../../../src/temporal/client/sweeps.js';
import { parseSweepSpec } from '../../../../src/sweep-spec/load.js';
import { DEFAULT_TASK_QUEUES, taskQueues, trainingQueue } from '../../../../src/temporal/shared/shared.js';
import { workerOptionsFromFlags } from '../../../../src/temporal/workers/options.js';

const spec = parseSweepSpec({
  file: 'x.yaml',
  text: 'name: My.Sweep_1\ndataset: { name: synthetic, train_size: 200, test_size: 100 }\nvariants: { grid: { model: [fc] } }\nseeds: [0]\n',
});

describe('Temporal connection settings', () => {
  it('reads address, namespace, mTLS files and API key from the environment', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tls-'));
    for (const f of ['c.pem', 'k.pem', 'ca.pem']) writeFileSync(path.join(dir, f), `${f}-bytes`);
    const settings = await resolveTemporalSettings({
      env: {
        TEMPORAL_ADDRESS: 'temporal.example:7233',
        TEMPORAL_NAMESPACE: 'sweeps',
        TEMPORAL_TLS_CERT: path.join(dir, 'c.pem'),
        TEMPORAL_TLS_KEY: path.join(dir, 'k.pem'),
        TEMPORAL_TLS_CA: path.join(dir, 'ca.pem'),
        TEMPORAL_API_KEY: 'secret',
      },
    });
    expect(settings).toMatchObject({
      address: 'temporal.example:7233',
      namespace: 'sweeps',
      apiKey: 'secret',
      embedded: false,
    });
    const native = nativeConnectionOptions(settings);
    expect(native.apiKey).toBe('secret');
    const tls = native.tls as {
      clientCertPair: { crt: Buffer; key: Buffer };
      serverRootCACertificate: Buffer;
    };
    expect(tls.clientCertPair.crt.toString()).toBe('c.pem-bytes');
    expect(tls.serverRootCACertificate.toString()).toBe('ca.pem-bytes');
  });

  it('turns TLS on for an API key alone, and rejects a certificate without its key', async () => {
    const withKey = await resolveTemporalSettings({
      env: { TEMPORAL_ADDRESS: 'a:1', TEMPORAL_API_KEY: 'k' },
    });
    expect(withKey.tls).toBe(true);
    expect(withKey.namespace).toBe('default');
    await expect(
      resolveTemporalSettings({ env: { TEMPORAL_ADDRESS: 'a:1', TEMPORAL_TLS_CERT: '/c.pem' } }),
    ).rejects.toThrow(/TEMPORAL_TLS_KEY/);
    await expect(resolveTemporalSettings({ env: {}, embedded: false })).rejects.toThrow(/TEMPORAL_ADDRESS/);
  });
});

describe('sweep ids', () => {
  it('are <id-safe name>-<spec hash>-<UTC timestamp>, stable for the same spec and time', () => {
    const now = new Date('2026-01-02T03:04:05.678Z');
    const id = makeSweepId({ spec, now });
    expect(id).toMatch(/^my.sweep_1-[0-9a-f]{8}-20260102T030405Z$/);
    expect(makeSweepId({ spec, now })).toBe(id);
    expect(makeSweepId({ spec: { ...spec, seeds: [0, 1] }, now })).not.toBe(id);
  });
});

describe('worker flags', () => {
  const base = { queue: 'cpu' as const, control: true, trainer: 'engine' as const };
  it('parses threads and GPU lists', () => {
    expect(workerOptionsFromFlags({ ...base, threads: '3' })).toMatchObject({
      queue: 'cpu',
      threads: 3,
      control: true,
    });
    expect(workerOptionsFromFlags({ ...base, queue: 'gpu', gpus: '0, 1' })).toMatchObject({
      queue: 'gpu',
      gpus: ['0', '1'],
    });
  });
  it('rejects bad values with a message naming the flag', () => {
    expect(() => workerOptionsFromFlags({ ...base, threads: '0' })).toThrow(
      /--threads must be an integer ≥ 1/,
    );
    expect(() => workerOptionsFromFlags({ ...base, queue: 'gpu', gpus: 'a,b' })).toThrow(/--gpus/);
    expect(() => workerOptionsFromFlags({ ...base, gpus: '0' })).toThrow(/--gpus needs --queue gpu/);
  });
});

describe('task queues', () => {
  it('route trials by kind and isolate prefixes', () => {
    expect(DEFAULT_TASK_QUEUES).toEqual({
      control: 'seedsweep-control',
      cpu: 'seedsweep-cpu',
      gpu: 'seedsweep-gpu',
    });
    expect(trainingQueue(taskQueues('t1'), 'gpu')).toBe('t1-gpu');
    expect(trainingQueue(DEFAULT_TASK_QUEUES, 'cpu')).toBe('seedsweep-cpu');
  });
});
