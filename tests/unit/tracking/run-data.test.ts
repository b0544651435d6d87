import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PlannedTrial } from '../../../src/sweep-spec/types.js';
import { PACKAGE_ROOT } from '../../../src/core/common/paths.js';
import {
  environmentTags,
  filterLiteral,
  gitCommit,
  gitDirty,
  tagEquals,
  trialParams,
  trialTags,
} from '../../../src/tracking/run-data.js';

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

  it('leaves out locations and unset settings, flattens plug-in dataset options, keeps booleans', () => {
    const userTrial: PlannedTrial = {
      ...trial,
      config: {
        model: 'quadratic',
        modelOptions: { x: 0.5, centered: true },
        train: { epochs: 3 },
        dataset: {
          name: 'digits',
          module: '/home/me/data.ts',
          export: 'digits',
          options: { size: 8, labels: ['a', 'b'] },
        },
        trainable: { module: '/home/me/train.ts', export: 'quadratic' },
      },
    };
    expect(trialParams(userTrial)).toEqual({
      model: 'quadratic',
      'model.x': '0.5',
      'model.centered': 'true',
      'train.epochs': '3',
      'dataset.name': 'digits',
      'dataset.options.size': '8',
      'dataset.options.labels': '["a","b"]',
      seed: '7',
    });
    expect(trialTags('s', userTrial)).toMatchObject({
      'seedsweep.trainable': '/home/me/train.ts#quadratic',
      'seedsweep.dataset_module': '/home/me/data.ts#digits',
    });
    expect(trialTags('s', trial)['seedsweep.trainable']).toBeUndefined();
  });

  it('tags lineage: lockfile hash and git state of the package root, computed once per process', () => {
    const tags = environmentTags();
    const lock = readFileSync(path.join(PACKAGE_ROOT, 'package-lock.json'));
    expect(tags['seedsweep.lockfile_sha256']).toBe(createHash('sha256').update(lock).digest('hex'));
    expect(['true', 'false', 'unknown']).toContain(tags['seedsweep.git_dirty']);
    tags['seedsweep.git_dirty'] = 'changed by the caller';
    expect(environmentTags()['seedsweep.git_dirty']).not.toBe('changed by the caller');
  });

  it('says whether a checkout is dirty, and unknown outside one', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'dirty-'));
    expect(gitDirty(root)).toBe('unknown');
    try {
      execFileSync('git', ['init', '-q'], { cwd: root });
    } catch {
      return; // no git here: 'unknown' is all it can say
    }
    expect(gitDirty(root)).toBe('false');
    writeFileSync(path.join(root, 'new.txt'), 'x');
    expect(gitDirty(root)).toBe('true');
  });
});
