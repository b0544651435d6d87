/** How commands talk to the user: one JSON document with --json, human text otherwise. */
import { embeddedServersInUse, type EmbeddedUse } from '../../services/embedded-server.js';

/**
 * Thrown by a command that has printed its answer when that answer is "no" (`compare`: the sweeps do not
 * reproduce): the CLI exits with `exitCode` and prints nothing more. Not an error: those exit 2.
 */
export class CommandVerdict extends Error {
  override readonly name = 'CommandVerdict';
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** Prints one JSON document on stdout (the whole output of a command run with `--json`). */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** True when stderr is a terminal: progress bars go there, plain per-epoch lines otherwise. */
export function isInteractive(): boolean {
  return Boolean(process.stderr.isTTY) && !process.env['CI'];
}

/** Informational line for humans on stderr, so stdout stays clean for --json and piping. */
export function info(message: string): void {
  process.stderr.write(`${message}\n`);
}

let embeddedNoticePrinted = false;

/** The end-of-command note about embedded servers still running, or undefined when none was used. */
export function embeddedServersNotice(uses: readonly EmbeddedUse[]): string | undefined {
  if (uses.length === 0) return undefined;
  const names = uses.map((u) =>
    u.kind === 'temporal' ? `Temporal dev server (${u.address})` : `MLflow server (${u.address})`,
  );
  const what = names.length === 1 ? `the local ${names[0]} keeps` : `the local ${names.join(' and ')} keep`;
  return `note: ${what} running in the background for the next command; 'seedsweep services' lists them, 'seedsweep services stop' stops them.`;
}

/** Prints {@link embeddedServersNotice} for the servers this process started or reused, once per process. */
export function printEmbeddedServersNotice(): void {
  if (embeddedNoticePrinted) return;
  const notice = embeddedServersNotice(embeddedServersInUse());
  if (!notice) return;
  embeddedNoticePrinted = true;
  info(notice);
}

/** Runs a command's work, then (even when it fails) prints {@link printEmbeddedServersNotice}. */
export async function withEmbeddedServersNotice<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } finally {
    printEmbeddedServersNotice();
  }
}
