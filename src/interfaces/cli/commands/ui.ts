/**
 * `seedsweep ui [--host 127.0.0.1] [--port 8765]`: a local web page listing sweeps, with each sweep's
 * live progress, groups and charts, links to MLflow and Temporal, and pause / unpause / cancel buttons
 * (src/interfaces/ui). Loopback only unless `--host` says otherwise; the page has no authentication.
 */
import type { Command } from 'commander';
import { UserError } from '../../../core/common/errors.js';
import { info, withEmbeddedServersNotice } from '../output.js';

/** Options of `seedsweep ui`, from the command line. */
export interface UiFlags {
  /** @default '127.0.0.1' */
  host?: string;
  /** 0 picks a free port. @default 8765 */
  port?: number;
  /** Base URL of the Temporal UI for the workflow links. @default found at the dev server's UI port, else none */
  temporalUi?: string;
}

export const DEFAULT_UI_PORT = 8765;

/** `--port`: an integer from 0 (any free port) to 65535. */
export function parseUiPort(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65_535)
    throw new UserError(
      'E_BAD_ARGUMENT',
      `--port is "${value.slice(0, 60)}"; expected an integer from 0 to 65535.`,
    );
  return n;
}

/** `--host`: a host name or address without scheme, path or port. */
export function parseUiHost(value: string): string {
  const host = value.trim();
  if (host === '' || /[\s/?#@]/.test(host) || host.length > 255)
    throw new UserError(
      'E_BAD_ARGUMENT',
      `--host is "${value.slice(0, 60)}"; expected an interface address or name such as 127.0.0.1 or 0.0.0.0.`,
    );
  return host;
}

/** `--temporal-ui`: an http(s) URL. */
export function parseTemporalUi(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    url = new URL('invalid:');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UserError(
      'E_BAD_ARGUMENT',
      `--temporal-ui is "${value.slice(0, 60)}"; expected the Temporal UI's http(s) address, e.g. http://127.0.0.1:8233.`,
    );
  return value.replace(/\/+$/, '');
}

/** The warning printed when the page listens beyond loopback. */
export function exposedWarning(host: string): string {
  return `warning: listening on ${host}, not loopback: anyone who can reach this address can see your sweeps and pause or cancel them (the page has no authentication).`;
}

export function register(program: Command): void {
  program
    .command('ui')
    .description(
      'Serve a local web page of your sweeps: live progress, group means with CIs, charts, MLflow and Temporal links, pause/unpause/cancel. Runs until Ctrl-C.',
    )
    .option(
      '--host <host>',
      'interface to listen on (default 127.0.0.1; anything else prints a warning)',
      parseUiHost,
    )
    .option('--port <port>', `TCP port, 0 for any free one (default ${DEFAULT_UI_PORT})`, parseUiPort)
    .option(
      '--temporal-ui <url>',
      "the Temporal UI's address, for links to each sweep's workflow (default: the dev server's UI port beside TEMPORAL_ADDRESS when it answers)",
      parseTemporalUi,
    )
    .action((flags: UiFlags) =>
      withEmbeddedServersNotice(async () => {
        const { startUiFromEnvironment } = await import('../../ui/start.js');
        const host = flags.host ?? '127.0.0.1';
        const { isLoopbackHost } = await import('../../ui/server.js');
        if (!isLoopbackHost(host)) info(exposedWarning(host));
        const ui = await startUiFromEnvironment({
          host,
          port: flags.port ?? DEFAULT_UI_PORT,
          ...(flags.temporalUi ? { temporalUi: flags.temporalUi } : {}),
        });
        info(`seedsweep ui: ${ui.url} (Ctrl-C stops it)`);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        info('stopping the page server');
        await ui.close();
      }),
    );
}
