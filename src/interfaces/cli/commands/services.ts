/**
 * `seedsweep services [status|stop|logs] [temporal|mlflow]`: the local Temporal dev server and MLflow
 * server seedsweep started for this state folder: list them (address, pid, memory), stop them (with
 * every process they spawned), or show the end of their logs.
 */
import type { Command } from 'commander';
import { UserError } from '../../../core/common/errors.js';
import { stateDir } from '../../../core/common/paths.js';
import {
  parseServiceKind,
  serviceLogs,
  servicesStatus,
  stopServices,
  type ServiceStatus,
  type ServiceStopResult,
} from '../../../services/manage.js';
import { info, printJson } from '../output.js';

const ACTIONS = ['status', 'stop', 'logs'] as const;
type Action = (typeof ACTIONS)[number];

interface ServicesFlags {
  json?: boolean;
  lines?: string;
  timeout?: string;
}

export function register(program: Command): void {
  program
    .command('services')
    .description(
      'The local Temporal and MLflow servers seedsweep started for this state folder: status (default), stop, logs.',
    )
    .argument('[action]', 'status | stop | logs', 'status')
    .argument('[service]', 'temporal | mlflow (default: both)')
    .option('--json', 'print one JSON document (status, stop)')
    .option('-n, --lines <n>', 'lines of each log to print (logs; default 50)')
    .option('--timeout <seconds>', 'how long stop waits before SIGKILL (stop; default 10)')
    .addHelpText(
      'after',
      `
Examples:
  seedsweep services                 # what runs for ${'$'}SEEDSWEEP_STATE_DIR (default ./.seedsweep): address, pid, memory
  seedsweep services stop            # stop both servers and every process they spawned
  seedsweep services logs mlflow -n 100`,
    )
    .action(async (actionArg: string, service: string | undefined, flags: ServicesFlags) => {
      await runServices(actionArg, service, flags);
    });
}

/** The command's work (exported for tests). */
export async function runServices(
  actionArg: string,
  service: string | undefined,
  flags: ServicesFlags,
  dir: string = stateDir(),
): Promise<void> {
  const action = parseAction(actionArg);
  checkFlags(action, flags);
  const kind = service === undefined ? undefined : parseServiceKind(service);
  const kindOption = kind === undefined ? {} : { kind };
  if (action === 'status') {
    const services = await servicesStatus(dir, kindOption);
    if (flags.json) printJson({ stateDir: dir, services });
    else process.stdout.write(statusText(dir, services));
    if (!flags.json) for (const note of externalServerNotes()) info(note);
    return;
  }
  if (action === 'stop') {
    const graceMs = parseTimeout(flags.timeout);
    const results = await stopServices(dir, { ...kindOption, graceMs });
    if (flags.json) printJson({ stateDir: dir, services: results });
    else process.stdout.write(stopText(dir, results));
    const failed = results.filter((r) => r.outcome === 'failed');
    if (failed.length > 0) {
      throw new UserError(
        'E_STOP_FAILED',
        failed
          .map(
            (r) =>
              `${r.kind} (pid ${r.pid}): process(es) ${r.remaining.join(', ')} still running after SIGKILL`,
          )
          .join('; ') + '; their record is kept so that `seedsweep services stop` can try again.',
      );
    }
    return;
  }
  const lines = parseLines(flags.lines);
  const logs = serviceLogs(dir, { ...kindOption, lines });
  const withHeaders = logs.length > 1 || kind === undefined;
  const out: string[] = [];
  for (const log of logs) {
    if (withHeaders) out.push(`${out.length > 0 ? '\n' : ''}==> ${log.file} <==`);
    out.push(...log.lines);
  }
  process.stdout.write(out.length > 0 ? `${out.join('\n')}\n` : '');
}

function parseAction(value: string): Action {
  const action = value.toLowerCase();
  if ((ACTIONS as readonly string[]).includes(action)) return action as Action;
  if (action === 'temporal' || action === 'mlflow') {
    throw new UserError(
      'E_BAD_ARGUMENT',
      `'${value}' is a service, not an action; write 'seedsweep services status ${action}' (or stop/logs).`,
    );
  }
  throw new UserError(
    'E_BAD_ARGUMENT',
    `unknown action '${value}' for 'seedsweep services'; expected ${ACTIONS.join(', ')}.`,
  );
}

function checkFlags(action: Action, flags: ServicesFlags): void {
  if (flags.lines !== undefined && action !== 'logs')
    throw new UserError('E_BAD_ARGUMENT', `-n/--lines applies to 'seedsweep services logs' only.`);
  if (flags.timeout !== undefined && action !== 'stop')
    throw new UserError('E_BAD_ARGUMENT', `--timeout applies to 'seedsweep services stop' only.`);
  if (flags.json && action === 'logs')
    throw new UserError(
      'E_BAD_ARGUMENT',
      `--json applies to 'services status' and 'services stop', not to logs.`,
    );
}

/** `-n` as a positive integer (default 50). */
export function parseLines(value: string | undefined): number {
  if (value === undefined) return 50;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UserError('E_BAD_ARGUMENT', `-n/--lines must be an integer ≥ 1; got '${value}'.`);
  return n;
}

/** `--timeout` seconds as milliseconds (default 10 s). */
export function parseTimeout(value: string | undefined): number {
  if (value === undefined) return 10_000;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 600)
    throw new UserError(
      'E_BAD_ARGUMENT',
      `--timeout must be a number of seconds in (0, 600]; got '${value}'.`,
    );
  return Math.round(seconds * 1000);
}

/** Bytes as MiB (or GiB from 1 GiB on), e.g. `484 MiB`. */
export function formatBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return mib >= 1024 ? `${(mib / 1024).toFixed(2)} GiB` : `${Math.round(mib)} MiB`;
}

/** The human table of `services status`. */
export function statusText(dir: string, services: readonly ServiceStatus[]): string {
  if (services.length === 0) {
    return `no embedded servers recorded in ${dir} (seedsweep starts them on demand when TEMPORAL_ADDRESS / MLFLOW_TRACKING_URI are unset).\n`;
  }
  const rows = [
    ['SERVICE', 'ADDRESS', 'PID', 'PROCS', 'MEMORY', 'STATE', 'LOG'],
    ...services.map((s) => [
      s.kind,
      s.address,
      String(s.pid),
      String(s.pids.length),
      s.state === 'up' ? formatBytes(s.rssBytes) : '-',
      s.state === 'up' && !s.answering ? 'up (port not answering)' : s.state,
      s.logFile,
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
  const up = services.filter((s) => s.state === 'up');
  const total = up.reduce((sum, s) => sum + s.rssBytes, 0);
  const footer = [`state dir: ${dir}`];
  if (up.length > 0) footer.push(`${formatBytes(total)} in total; stop them with 'seedsweep services stop'.`);
  if (services.some((s) => s.state === 'down'))
    footer.push(`'down' records are stale; 'seedsweep services stop' removes them.`);
  return `${[...lines, ...footer].join('\n')}\n`;
}

/** The human lines of `services stop`. */
export function stopText(dir: string, results: readonly ServiceStopResult[]): string {
  if (results.length === 0) return `no embedded servers recorded in ${dir}; nothing to stop.\n`;
  return results
    .map((r) => {
      const what = `${r.kind} ${r.address} (pid ${r.pid})`;
      if (r.outcome === 'not-running') return `${what}: was not running; removed its stale record.\n`;
      if (r.outcome === 'failed') return `${what}: ${r.remaining.length} process(es) still running.\n`;
      return `${what}: stopped ${r.processes} process(es)${r.forced ? ' (some needed SIGKILL)' : ''}.\n`;
    })
    .join('');
}

/** Notes for `services status` when an environment variable points seedsweep at an external server. */
function externalServerNotes(): string[] {
  const notes: string[] = [];
  const temporal = process.env['TEMPORAL_ADDRESS'];
  const mlflow = process.env['MLFLOW_TRACKING_URI'];
  if (temporal)
    notes.push(`note: TEMPORAL_ADDRESS=${temporal}: commands use that server, not an embedded one.`);
  if (mlflow)
    notes.push(`note: MLFLOW_TRACKING_URI=${mlflow}: commands use that server, not an embedded one.`);
  return notes;
}
