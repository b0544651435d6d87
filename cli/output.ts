/** How commands talk to the user: one JSON document with --json, human text otherwise. */

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
