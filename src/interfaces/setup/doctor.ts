/**
 * `seedsweep doctor`: what is installed, where, which versions, and what is missing with the command
 * that fixes it. It changes nothing but what backend selection itself does (installing the cached
 * tfjs-node binding into a package that has none) and starts no server.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { autoBackend } from '../../temporal/client/sweep-backend.js';
import {
  cacheDir,
  cacheVenvBinDir,
  installedAsDependency,
  PACKAGE_ROOT,
  projectRoot,
  setupCommand,
  stateDir,
  venvBinDir,
} from '../../core/common/paths.js';
import { graphAddonPath } from '../../training/graph/native.js';
import { installedLibtensorflow, libtensorflowDir } from '../../training/backends/native-cache.js';
import { nativeBuildStatus } from '../../training/backends/native-probe.js';
import { findExecutable } from '../../services/local-server.js';
import { servicesStatus } from '../../services/manage.js';

const run = promisify(execFile);

/** One line of the report. */
export interface DoctorCheck {
  name: string;
  ok: boolean;
  /** Whether the embedded default cannot run without it (decides the exit status). */
  required: boolean;
  /** What was found: version and where, or what is missing. */
  detail: string;
  /** The command that fixes it, when not ok. */
  fix?: string;
}

export interface DoctorReport {
  /** True when every required check passed: `seedsweep run` can start its embedded servers. */
  ok: boolean;
  seedsweep: { version: string; root: string; installedIn: string | 'checkout' };
  cacheDir: string;
  stateDir: string;
  /** The backend `auto` picks for a CPU sweep on this host, and why. */
  autoBackend: { backend: string; why: string };
  checks: DoctorCheck[];
  /** The embedded servers recorded in the state folder. */
  services: { kind: string; address: string; state: string; answering: boolean; pid: number }[];
}

/** Whether `version` (e.g. v20.19.1) satisfies a `>=x.y` engines range. */
export function satisfiesMinimum(version: string, range: string): boolean {
  const want = /(\d+)\.(\d+)/.exec(range);
  const have = /(\d+)\.(\d+)/.exec(version);
  if (!want || !have) return true;
  const [wantMajor, wantMinor] = [Number(want[1]), Number(want[2])];
  const [major, minor] = [Number(have[1]), Number(have[2])];
  return major > wantMajor || (major === wantMajor && minor >= wantMinor);
}

function whereFrom(file: string, envVar: string): string {
  if (process.env[envVar]) return `$${envVar}`;
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return p;
    }
  };
  const inCache = real(file).startsWith(real(cacheVenvBinDir()) + path.sep);
  if (file.startsWith(venvBinDir() + path.sep))
    return inCache ? 'the repository .venv, a link to the seedsweep cache' : 'the repository .venv';
  return inCache ? 'the seedsweep cache' : 'PATH';
}

async function versionOf(file: string): Promise<string> {
  try {
    const { stdout } = await run(file, ['--version'], { timeout: 60_000 });
    return stdout.trim().split('\n').pop() ?? '';
  } catch (error) {
    return `does not run: ${(error as Error).message.split('\n')[0]}`;
  }
}

async function serverCheck(name: string, envVar: string, addressVar: string): Promise<DoctorCheck> {
  const address = process.env[addressVar];
  const file = findExecutable(name, envVar);
  if (file === undefined) {
    if (address)
      return {
        name,
        ok: true,
        required: false,
        detail: `not installed; not needed: ${addressVar}=${address}`,
      };
    return {
      name,
      ok: false,
      required: true,
      detail: process.env[envVar]
        ? `$${envVar}=${process.env[envVar]} is not an executable file`
        : 'not installed',
      fix: setupCommand(),
    };
  }
  const version = await versionOf(file);
  const runs = !version.startsWith('does not run');
  return {
    name,
    ok: runs,
    required: !address,
    detail: `${version} (${file}, from ${whereFrom(file, envVar)})${address ? `; ${addressVar}=${address} is used instead` : ''}`,
    ...(runs ? {} : { fix: setupCommand() }),
  };
}

function nativeChecks(): DoctorCheck[] {
  const fix = setupCommand();
  const libStamp = installedLibtensorflow();
  const binding = nativeBuildStatus('tensorflow');
  const addon = graphAddonPath();
  return [
    {
      name: 'libtensorflow',
      ok: libStamp !== undefined,
      required: false,
      detail: libStamp ? `${libStamp} (${libtensorflowDir()})` : `not in ${libtensorflowDir()}`,
      ...(libStamp ? {} : { fix }),
    },
    {
      name: 'tfjs-node binding',
      ok: binding.built,
      required: false,
      detail: binding.built
        ? binding.bindingPath
        : `${binding.reason}${binding.detail ? ` (${binding.detail})` : ''}`,
      ...(binding.built ? {} : { fix }),
    },
    {
      name: 'graph addon',
      ok: existsSync(addon),
      required: false,
      detail: existsSync(addon) ? addon : `not built (${addon})`,
      ...(existsSync(addon) ? {} : { fix }),
    },
  ];
}

/** Chromium is used only by the repository's HTML-report test, so only a checkout is told about it. */
function chromiumCheck(): DoctorCheck[] {
  if (installedAsDependency()) return [];
  const file = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
  const found = existsSync(file);
  return [
    {
      name: 'chromium',
      ok: found,
      required: false,
      detail: found
        ? `${file} (development only: the HTML-report test)`
        : `not found at ${file} (development only: the HTML-report test)`,
      ...(found ? {} : { fix: 'apt-get install chromium, or set CHROMIUM_PATH' }),
    },
  ];
}

export async function runDoctor(): Promise<DoctorReport> {
  const manifest = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
    version: string;
    engines?: { node?: string };
  };
  const nodeRange = manifest.engines?.node ?? '>=20.19';
  const nodeOk = satisfiesMinimum(process.version, nodeRange);
  const [temporal, mlflow] = await Promise.all([
    serverCheck('temporal', 'TEMPORAL_CLI_PATH', 'TEMPORAL_ADDRESS'),
    serverCheck('mlflow', 'MLFLOW_CLI_PATH', 'MLFLOW_TRACKING_URI'),
  ]);
  const checks: DoctorCheck[] = [
    {
      name: 'node',
      ok: nodeOk,
      required: true,
      detail: `${process.version} (${process.execPath}); seedsweep needs ${nodeRange}`,
      ...(nodeOk ? {} : { fix: `install Node.js ${nodeRange}` }),
    },
    temporal,
    mlflow,
    ...nativeChecks(),
    ...chromiumCheck(),
  ];
  const state = stateDir();
  const services = (await servicesStatus(state)).map((s) => ({
    kind: s.kind,
    address: s.address,
    state: s.state,
    answering: s.answering,
    pid: s.pid,
  }));
  return {
    ok: checks.every((check) => check.ok || !check.required),
    seedsweep: {
      version: manifest.version,
      root: PACKAGE_ROOT,
      installedIn: installedAsDependency() ? projectRoot() : 'checkout',
    },
    cacheDir: cacheDir(),
    stateDir: state,
    autoBackend: autoBackend('cpu'),
    checks,
    services,
  };
}

/** The report as lines for a terminal. */
export function formatDoctor(report: DoctorReport): string[] {
  const where =
    report.seedsweep.installedIn === 'checkout'
      ? 'a checkout'
      : `the project ${report.seedsweep.installedIn}`;
  const lines = [
    `seedsweep ${report.seedsweep.version} (${report.seedsweep.root}, ${where})`,
    `  cache dir   ${report.cacheDir} (SEEDSWEEP_CACHE_DIR)`,
    `  state dir   ${report.stateDir} (SEEDSWEEP_STATE_DIR)`,
  ];
  for (const check of report.checks) {
    const mark = check.ok ? 'ok     ' : check.required ? 'MISSING' : 'missing';
    lines.push(
      `  ${mark} ${check.name.padEnd(18)} ${check.detail}${check.fix ? ` → run: ${check.fix}` : ''}`,
    );
  }
  lines.push(`  backend     auto picks ${report.autoBackend.backend} (${report.autoBackend.why})`);
  if (report.services.length === 0)
    lines.push('  servers     no embedded server recorded in the state dir (run starts them)');
  for (const s of report.services)
    lines.push(
      `  servers     ${s.kind} ${s.address} pid ${s.pid}: ${s.state === 'up' ? (s.answering ? 'running' : 'running, not answering') : 'not running'}`,
    );
  lines.push(
    report.ok
      ? 'ready: seedsweep run can start its embedded Temporal and MLflow servers'
      : `not ready: run ${setupCommand()}`,
  );
  return lines;
}
