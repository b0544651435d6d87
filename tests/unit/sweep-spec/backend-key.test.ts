import { describe, expect, it } from 'vitest';
import { autoBackend, withResolvedBackend } from '../../../src/temporal/client/sweep-backend.js';
import { backendOfConfig } from '../../../src/core/domain/backends.js';
import { expandSweep } from '../../../src/sweep-spec/expand.js';
import { parseSweepSpec } from '../../../src/sweep-spec/load.js';

const specText = (backend?: string) => `
name: keys
dataset: { name: synthetic, train_size: 20, test_size: 10 }
train: { epochs: 1 }
variants:
  grid:
    model: [cnn]
    kernel_size: [3, 5]
seeds: [0, 1]
${backend ? `backend: ${backend}` : ''}
`;

const keysOf = (backend?: string) =>
  expandSweep({
    spec: parseSweepSpec({ text: specText(backend), file: 'keys.yaml' }),
    datasetFingerprint: 'fp',
  });

describe('the backend in trial keys', () => {
  it('leaves wasm sweeps keyed as before and keys every other backend apart', () => {
    const none = keysOf();
    const wasm = keysOf('wasm');
    const native = keysOf('tensorflow');
    expect(wasm.map((t) => t.trialKey)).toEqual(none.map((t) => t.trialKey));
    expect(wasm.every((t) => t.config.backend === undefined)).toBe(true);
    expect(native.every((t) => t.config.backend === 'tensorflow')).toBe(true);
    for (let i = 0; i < native.length; i++) {
      expect(native[i]!.trialKey).not.toBe(none[i]!.trialKey);
      expect(native[i]!.groupKey).not.toBe(none[i]!.groupKey);
    }
    expect(backendOfConfig(native[0]!.config)).toBe('tensorflow');
    expect(backendOfConfig(none[0]!.config)).toBe('wasm');
  });

  it('resolves auto at submission from SEEDSWEEP_BACKEND and keeps a backend the spec names', () => {
    const auto = parseSweepSpec({ text: specText('auto'), file: 'keys.yaml' });
    expect(auto.backend).toBeUndefined();
    const saved = process.env['SEEDSWEEP_BACKEND'];
    try {
      process.env['SEEDSWEEP_BACKEND'] = 'cpu';
      expect(autoBackend('cpu')).toEqual({ backend: 'cpu', why: 'SEEDSWEEP_BACKEND' });
      expect(withResolvedBackend(auto).backend).toBe('cpu');
      const named = parseSweepSpec({ text: specText('tensorflow'), file: 'keys.yaml' });
      expect(withResolvedBackend(named).backend).toBe('tensorflow');
    } finally {
      if (saved === undefined) delete process.env['SEEDSWEEP_BACKEND'];
      else process.env['SEEDSWEEP_BACKEND'] = saved;
    }
  });

  it('rejects an unknown backend at the YAML line', () => {
    expect(() => parseSweepSpec({ text: specText('tpu'), file: 'keys.yaml' })).toThrow(/backend/);
  });
});
