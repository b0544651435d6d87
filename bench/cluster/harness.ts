/**
 * The frame of a cluster bench (bench/chaos.ts, bench/load.ts): where it runs (outside the cluster it
 * brings the cluster up and runs itself again on the laptop host, bench/cluster/lifecycle.ts), how it
 * ends (an exit code; a bad flag one `error[…]` line and exit 2; anything else its stack and exit 1),
 * and the small helpers each bench's loop needs.
 */
import { exitOnFlagError, FlagError } from './flags.js';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
export const log = (line: string) => process.stdout.write(`${line}\n`);
/** The time of day, for progress lines. */
export const clock = () => new Date().toISOString().slice(11, 19);

/** A run's stamp for sweep names: e.g. `20261207t101500`. */
export const runStamp = () =>
  new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, '')
    .toLowerCase();

/** True in the bench's run on the cluster's laptop host (scripts/cluster.sh sets it). */
export const onLaptopHost = () => process.env['SEEDSWEEP_CLUSTER_HOST'] === 'laptop';

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs `main` and sets the exit code from it: a {@link FlagError} ends with one line and 2, another
 * error with `<bench>: <stack>` on stdout (where the bench's lines go) and 1.
 */
export async function runBench(bench: string, main: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await main();
  } catch (error) {
    if (error instanceof FlagError) exitOnFlagError(bench, error);
    log(`${bench}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  }
}

/** Markdown table. */
export function markdown(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    `| ${header.map((_, i) => (r[i] ?? '').padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n');
}
