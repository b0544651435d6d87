/** The Temporal SDK runtime of a process: installed once, quiet by default (warnings and errors). */
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

let installed = false;

/**
 * Installs the Temporal runtime with a logger at `SEEDSWEEP_TEMPORAL_LOG_LEVEL` (TRACE, DEBUG, INFO,
 * WARN, ERROR; default WARN). Must run before the first connection; later calls do nothing.
 */
export function installTemporalRuntime(): void {
  if (installed) return;
  installed = true;
  const level = (process.env['SEEDSWEEP_TEMPORAL_LOG_LEVEL'] ?? 'WARN').toUpperCase() as LogLevel;
  try {
    Runtime.install({ logger: new DefaultLogger(level) });
  } catch {
    // Already installed (e.g. by an embedding application): keep theirs.
  }
}
