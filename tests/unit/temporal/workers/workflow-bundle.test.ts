import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readPrebuiltBundle } from '../../../../src/temporal/workers/workflow-bundle.js';

const installedSdk = (
  createRequire(import.meta.url)('@temporalio/workflow/package.json') as { version: string }
).version;

describe('the prebuilt workflow bundle', () => {
  let dir: string;
  let paths: { code: string; stamp: string };
  let entry: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'seedsweep-bundle-'));
    paths = { code: path.join(dir, 'bundle.js'), stamp: path.join(dir, 'bundle.json') };
    entry = path.join(dir, 'index.js');
    writeFileSync(entry, 'export {};\n');
    writeFileSync(paths.code, '/* bundled workflows */');
    // The compiled workflows an hour older than the bundle, as a build leaves them.
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(entry, hourAgo, hourAgo);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is used when its stamp names the installed SDK and it is newer than the compiled workflows', () => {
    writeFileSync(paths.stamp, JSON.stringify({ workflowSdk: installedSdk }));
    expect(readPrebuiltBundle(paths, entry)).toBe('/* bundled workflows */');
  });

  it('is not used when it holds another SDK version (updated since the build)', () => {
    writeFileSync(paths.stamp, JSON.stringify({ workflowSdk: '0.0.1' }));
    expect(readPrebuiltBundle(paths, entry)).toBeUndefined();
  });

  it('is not used when the workflows were compiled again after it (tsc alone)', () => {
    writeFileSync(paths.stamp, JSON.stringify({ workflowSdk: installedSdk }));
    const now = new Date(Date.now() + 1000);
    utimesSync(entry, now, now);
    expect(readPrebuiltBundle(paths, entry)).toBeUndefined();
  });

  it('is not used without its stamp (a build interrupted before it was written) or when unreadable', () => {
    expect(readPrebuiltBundle(paths, entry)).toBeUndefined();
    writeFileSync(paths.stamp, '{ not json');
    expect(readPrebuiltBundle(paths, entry)).toBeUndefined();
  });
});
