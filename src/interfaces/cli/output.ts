/** How commands talk to the user: one JSON document with --json, human text otherwise. */
import { isUserError } from '../../core/common/errors.js';
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

/** Longest line of an error message printed whole; longer ones (an echoed huge argument) are cut. */
export const MAX_ERROR_LINE = 2_000;

/** `text` with every line longer than {@link MAX_ERROR_LINE} cut, saying how long it was. */
export function clipLines(text: string): string {
  return text
    .split('\n')
    .map((line) =>
      line.length > MAX_ERROR_LINE ? `${line.slice(0, MAX_ERROR_LINE)}… (${line.length} characters)` : line,
    )
    .join('\n');
}

/** File-system calls whose refusal is about a file the user named or the disk, not a bug. */
const FILE_SYSCALLS = new Set([
  'access', 'chmod', 'close', 'copyfile', 'fstat', 'lstat', 'mkdir', 'mkdtemp', 'open', 'opendir',
  'read', 'readlink', 'realpath', 'rename', 'rmdir', 'scandir', 'stat', 'symlink', 'unlink', 'write',
]); // prettier-ignore

/**
 * A Node file-system error (EACCES, EIO, ENAMETOOLONG, EISDIR, …) that reached the CLI: the operating
 * system refused an operation on a file the user named or on the disk, which a stack trace does not
 * help with. Network errors are not among them: an unwrapped one is a bug.
 */
function isFileSystemError(
  error: unknown,
): error is NodeJS.ErrnoException & { code: string; syscall: string } {
  const e = error as NodeJS.ErrnoException;
  return error instanceof Error && typeof e.code === 'string' && FILE_SYSCALLS.has(e.syscall ?? '');
}

/**
 * What the CLI prints for an error that ended a command, and its exit code: a UserError is one line
 * `error[CODE]: message` (exit 2; a spec error lists its problems on the lines after it), a
 * file-system refusal likewise, anything else the stack labelled as unexpected (exit 1).
 */
export function formatCliError(error: unknown): { text: string; exitCode: number } {
  if (isUserError(error)) {
    return { text: clipLines(`error[${error.code}]: ${error.message}\n`), exitCode: 2 };
  }
  if (isFileSystemError(error)) {
    return {
      text: clipLines(
        `error[E_FILE_SYSTEM]: ${error.message.split('\n')[0]} (the system refused ${error.syscall}); check the path, its permissions and the disk.\n`,
      ),
      exitCode: 2,
    };
  }
  return {
    text: `unexpected error (a bug; please report it with this output):\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    exitCode: 1,
  };
}
