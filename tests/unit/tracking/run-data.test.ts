import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PlannedTrial } from '../../../spec/types.js';
import { filterLiteral, gitCommit, tagEquals, trialParams } from '../../../tracking/run-data.js';

const trial: PlannedTrial = {
  trialKey: 'k',
  groupKey: 'g',
  groupLabel: 'model=cnn',
  factors: { model: 'cnn' },
  seed: 7,
  queue: 'cpu',
  config: {
    model: 'cnn',
    modelOptions: { kernelSize: 5, padding: 'valid' },
    train: { epochs: 10, batchSize: 64, optimizer: 'adam', learningRate: 0.001 },
    dataset: { name: 'cifar10', trainSize: 5000, path: '/data/cifar.tar.gz' },
  },
};

describe('trial run data', () => {
  it('flattens the trial config into params, without the local dataset path', () => {
    expect(trialParams(trial)).toEqual({
      model: 'cnn',
      'model.kernelSize': '5',
      'model.padding': 'valid',
      'train.epochs': '10',
      'train.batchSize': '64',
      'train.optimizer': 'adam',
      'train.learningRate': '0.001',
      'dataset.name': 'cifar10',
      'dataset.trainSize': '5000',
      seed: '7',
    });
  });

  it('quotes filter values', () => {
    expect(tagEquals('seedsweep.sweep_id', 'abc')).toBe("tags.`seedsweep.sweep_id` = 'abc'");
    expect(filterLiteral("it's")).toBe('"it\'s"');
    expect(() => filterLiteral(`a'b"c`)).toThrow(/quote/);
  });

  it('reads the commit of a checkout from .git, loose or packed', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'git-'));
    mkdirSync(path.join(root, '.git', 'refs', 'heads'), { recursive: true });
    writeFileSync(path.join(root, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    writeFileSync(path.join(root, '.git', 'packed-refs'), `# pack-refs\n${'b'.repeat(40)} refs/heads/main\n`);
    expect(gitCommit(root)).toBe('b'.repeat(40));
    writeFileSync(path.join(root, '.git', 'refs', 'heads', 'main'), `${'a'.repeat(40)}\n`);
    expect(gitCommit(root)).toBe('a'.repeat(40));
    expect(gitCommit(path.join(root, 'nowhere'))).toBeUndefined();
  });
});
