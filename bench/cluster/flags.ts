/**
 * Flags of the cluster benches (bench/chaos.ts, bench/load.ts): parsed strictly, and a bad one is the
 * user's to fix, so it ends the bench with one line `error[E_BAD_ARGUMENT]: …` and exit 2 (house rule),
 * never a stack. `--help` prints the bench's header comment, which is its documentation.
 */
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;
type Values<O extends Options> = ReturnType<typeof parseArgs<{ options: O; strict: true }>>['values'];

/** A bad flag: what was wrong and what to do. */
export class FlagError extends Error {
  override readonly name = 'FlagError';
}

/** The one line a bad flag gets, then exit 2. */
export function exitOnFlagError(bench: string, error: FlagError): never {
  process.stderr.write(`error[E_BAD_ARGUMENT]: ${bench}: ${error.message}\n`);
  process.exit(2);
}

/** The leading doc comment of a source file, without its comment markers. */
export function headerOf(file: string): string {
  const text = readFileSync(file, 'utf8');
  const block = /^\/\*\*([\s\S]*?)\*\//.exec(text)?.[1] ?? '';
  return `${block
    .split('\n')
    .map((line) => line.replace(/^\s*\* ?/, ''))
    .join('\n')
    .trim()}\n`;
}

/**
 * Parses `args` with `options` (plus `--help`, which prints `self`'s header and exits 0); unknown flags,
 * positionals and missing values end the bench with one line and exit 2.
 */
export function parseFlags<const O extends Options>(
  bench: string,
  self: string,
  options: O,
  args: string[] = process.argv.slice(2),
): Values<O> {
  let values: Values<O> & { help?: boolean };
  try {
    values = parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }).values as Values<O> & { help?: boolean };
  } catch (error) {
    exitOnFlagError(bench, new FlagError(`${(error as Error).message.split('\n')[0]}; see --help`));
  }
  if (values.help) {
    process.stdout.write(headerOf(self));
    process.exit(0);
  }
  return values;
}

/** Reads typed values from parsed flags; throws {@link FlagError}. */
export class FlagReader<V extends Record<string, unknown>> {
  constructor(private readonly values: V) {}

  /** An integer ≥ `min` (even, if asked). */
  int(name: keyof V & string, min: number, options: { even?: boolean } = {}): number {
    const raw = this.values[name];
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || (options.even && n % 2 !== 0))
      throw new FlagError(
        `--${name} must be ${options.even ? 'an even' : 'an'} integer ≥ ${min}; got '${String(raw)}'`,
      );
    return n;
  }

  /** A comma-separated list of `allowed` words (empty when the flag is empty). */
  list<T extends string>(name: keyof V & string, allowed: readonly T[]): T[] {
    const items = String(this.values[name] ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0);
    for (const item of items)
      if (!(allowed as readonly string[]).includes(item))
        throw new FlagError(`--${name} takes ${allowed.join(', ')}; got '${item}'`);
    return items as T[];
  }

  /** A comma-separated list of integers ≥ `min` (even, if asked), at least one. */
  ints(name: keyof V & string, min: number, options: { even?: boolean } = {}): number[] {
    const items = String(this.values[name] ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0);
    if (items.length === 0) throw new FlagError(`--${name} needs at least one value`);
    return items.map((item) => new FlagReader({ [name]: item }).int(name, min, options));
  }
}

/** Runs `read` (which reads flags with a {@link FlagReader}); a bad flag ends the bench with one line and exit 2. */
export function readFlagsOrExit<T>(bench: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof FlagError) exitOnFlagError(bench, error);
    throw error;
  }
}
