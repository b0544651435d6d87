/**
 * A spec path the system will not read (src/sweep-spec/spec-file.ts): a folder, a FIFO, a device,
 * EACCES, EIO. Each is one `E_SPEC_UNREADABLE` naming the spec and what to do, where it was a bare
 * `E_FILE_SYSTEM` (or "not found" for a folder) naming neither, and a FIFO is refused rather than
 * waited on. EACCES cannot be made with chmod when the tests run as root: `open` is mocked to refuse
 * a marked path with the error Node gives (as was EIO, for systems without /proc/self/mem).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { PathLike } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { loadSweepSpec, MAX_SPEC_BYTES, resolveSpecPath } from '../../../src/sweep-spec/load.js';
import { readSpecFile } from '../../../src/sweep-spec/spec-file.js';

/** Paths whose `open` fails with the errno code given. */
const refused = vi.hoisted(() => new Map<string, string>());

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  const open = (file: PathLike, ...rest: unknown[]) => {
    const code = refused.get(String(file));
    if (code === undefined) return (actual.open as (...args: unknown[]) => unknown)(file, ...rest);
    const error = Object.assign(new Error(`${code}: refused (a test), open '${String(file)}'`), {
      code,
      syscall: 'open',
      errno: -1,
      path: String(file),
    });
    return Promise.reject(error);
  };
  return { ...actual, open, default: { ...actual, open } };
});

const dir = mkdtempSync(path.join(os.tmpdir(), 'seedsweep-spec-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TINY = `name: tiny
dataset: {name: synthetic, train_size: 8, test_size: 4}
variants: {grid: {model: [fc]}}
seeds: [0]
`;

async function failure(file: string): Promise<{ code?: string; message: string }> {
  const error = await loadSweepSpec(file).then(
    () => undefined,
    (e: unknown) => e as { code?: string; message: string },
  );
  expect(error, `${file} loaded`).toBeDefined();
  return error!;
}

describe('a spec the system will not read', () => {
  it('a folder is named as a folder, not "not found"', async () => {
    const folder = path.join(dir, 'specs.yaml');
    mkdirSync(folder);
    expect(await failure(folder)).toMatchObject({
      code: 'E_SPEC_UNREADABLE',
      message: `sweep spec ${folder} is a folder, not a file: give the path of a YAML file in it.`,
    });
  });

  it.skipIf(process.platform === 'win32')('a FIFO is refused at once, not waited on', async () => {
    const fifo = path.join(dir, 'pipe.yaml');
    execFileSync('mkfifo', [fifo]);
    expect(await failure(fifo)).toMatchObject({
      code: 'E_SPEC_UNREADABLE',
      message: `sweep spec ${fifo} is a named pipe (FIFO), not a file: give the path of a YAML file.`,
    });
    // Swapped in after the path was checked: opened without blocking, refused all the same.
    await expect(readSpecFile(fifo, 'pipe.yaml', MAX_SPEC_BYTES)).rejects.toMatchObject({
      code: 'E_SPEC_UNREADABLE',
      message: expect.stringMatching(/^sweep spec pipe\.yaml is a named pipe/),
    });
  });

  it.skipIf(process.platform !== 'linux')('a device and /proc/self/mem (EIO) name the spec', async () => {
    expect(await failure('/dev/null')).toMatchObject({
      code: 'E_SPEC_UNREADABLE',
      message: expect.stringMatching(/^sweep spec \/dev\/null is a device, not a file/),
    });
    expect(await failure('/proc/self/mem')).toMatchObject({
      code: 'E_SPEC_UNREADABLE',
      message: expect.stringMatching(
        /^cannot read sweep spec \/proc\/self\/mem: the system reported an I\/O error \(EIO\)/,
      ),
    });
  });

  it.each([
    [
      'EACCES',
      /^cannot read sweep spec .*locked\.yaml: you may not read it \(EACCES\); make it readable \(chmod u\+r /,
    ],
    ['EPERM', /^cannot read sweep spec .*locked\.yaml: you may not read it \(EPERM\)/],
    ['EIO', /^cannot read sweep spec .*locked\.yaml: the system reported an I\/O error \(EIO\)/],
    [
      'EMFILE',
      /^cannot read sweep spec .*locked\.yaml: EMFILE: refused .*; check the path, its permissions and the disk\.$/,
    ],
  ])('%s opening the file names the spec and what to do', async (code, message) => {
    const file = path.join(dir, 'locked.yaml');
    writeFileSync(file, TINY);
    refused.set(file, code);
    try {
      expect(await failure(file)).toMatchObject({ code: 'E_SPEC_UNREADABLE', message });
    } finally {
      refused.delete(file);
    }
  });

  it('still loads a readable file, and a shipped name shadowed by a folder is still the shipped sweep', async () => {
    const file = path.join(dir, 'tiny.yaml');
    writeFileSync(file, TINY);
    expect((await loadSweepSpec(file)).name).toBe('tiny');
    const cwd = process.cwd();
    mkdirSync(path.join(dir, 'quickstart'));
    process.chdir(dir);
    try {
      expect(resolveSpecPath('quickstart')).toMatch(/sweeps[/\\]quickstart\.yaml$/);
    } finally {
      process.chdir(cwd);
    }
  });

  it('reads at most the limit, whatever size the file states', async () => {
    const file = path.join(dir, 'long.yaml');
    writeFileSync(file, 'x'.repeat(100));
    expect(await readSpecFile(file, 'long.yaml', 10)).toEqual({ text: 'x'.repeat(10), bytes: 100 });
    expect(await readSpecFile(file, 'long.yaml', 100)).toEqual({ text: 'x'.repeat(100), bytes: 100 });
  });
});
