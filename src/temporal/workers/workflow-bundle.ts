/**
 * The sweep workflows' code as Temporal runs it: a webpack bundle of src/temporal/workflows. Making it
 * costs 3–5 s of CPU, which every `seedsweep run` and every worker start paid. `npm run build` makes it
 * once (scripts/bundle-workflows.mjs) and writes it beside the compiled workflows, with a stamp naming
 * the @temporalio/workflow version inside it; a process running from dist/ uses that file when it is
 * newer than the compiled workflows and holds the installed SDK's version. Otherwise (running from the
 * TypeScript sources, a stale bundle, an SDK updated since the build) it bundles as before.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';

/** Path of the workflows entry the bundler reads (`.ts` from source, `.js` from dist). */
export function workflowsPath(): string {
  return fileURLToPath(new URL(`../workflows/index.${fromSources() ? 'ts' : 'js'}`, import.meta.url));
}

/** Where `npm run build` writes the bundle and its stamp (only meaningful when running from dist/). */
export function prebuiltBundlePaths(): { code: string; stamp: string } {
  return {
    code: fileURLToPath(new URL('../workflows/bundle.js', import.meta.url)),
    stamp: fileURLToPath(new URL('../workflows/bundle.json', import.meta.url)),
  };
}

interface BundleStamp {
  /** @temporalio/workflow's version that was bundled. */
  workflowSdk: string;
}

/** The sweep workflows' bundle: the prebuilt one when it fits (see the module comment), else a new one. */
export async function bundleSweepWorkflows(): Promise<{ code: string }> {
  const prebuilt = fromSources() ? undefined : readPrebuiltBundle(prebuiltBundlePaths(), workflowsPath());
  return prebuilt ? { code: prebuilt } : makeBundle();
}

/** Makes the bundle and writes it with its stamp where {@link bundleSweepWorkflows} looks for it. */
export async function writePrebuiltBundle(): Promise<{ path: string; bytes: number }> {
  const { code } = await makeBundle();
  const paths = prebuiltBundlePaths();
  writeFileSync(paths.code, code);
  const stamp: BundleStamp = { workflowSdk: installedWorkflowSdk() };
  // The stamp last: a build interrupted between the two leaves no stamp that vouches for old code.
  writeFileSync(paths.stamp, `${JSON.stringify(stamp)}\n`);
  return { path: paths.code, bytes: code.length };
}

/**
 * The bundle at `paths` if its stamp names the installed SDK and is newer than `workflowsEntry` (the
 * compiled workflows it was made from), else undefined.
 */
export function readPrebuiltBundle(
  paths: { code: string; stamp: string },
  workflowsEntry: string,
): string | undefined {
  try {
    const stamp = JSON.parse(readFileSync(paths.stamp, 'utf8')) as BundleStamp;
    if (stamp.workflowSdk !== installedWorkflowSdk()) return undefined;
    // Compiled again after the bundle was made (tsc alone): the bundle may hold older workflow code.
    if (statSync(paths.stamp).mtimeMs < statSync(workflowsEntry).mtimeMs) return undefined;
    return readFileSync(paths.code, 'utf8');
  } catch {
    return undefined;
  }
}

function makeBundle(): Promise<{ code: string }> {
  return bundleWorkflowCode({ workflowsPath: workflowsPath(), logger: quietBundlerLogger });
}

function fromSources(): boolean {
  return import.meta.url.endsWith('.ts');
}

function installedWorkflowSdk(): string {
  const require = createRequire(import.meta.url);
  return (require('@temporalio/workflow/package.json') as { version: string }).version;
}

const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => process.stderr.write(`workflow bundler: ${message}\n`),
  error: (message: string) => process.stderr.write(`workflow bundler: ${message}\n`),
};
