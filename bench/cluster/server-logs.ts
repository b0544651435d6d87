/**
 * What the server host's logs say about a measured stretch: MLflow's access log (one line per request)
 * and the Temporal server's warnings about runs and payloads growing past its limits. Each is read
 * from a mark (the line count when the stretch began), so earlier runs on the same cluster do not count.
 */
import { existsSync, readFileSync } from 'node:fs';
import { logFile } from './hosts.js';

/** The lines of a cluster process's log (all its starts). */
export function logLines(proc: string): string[] {
  const file = logFile(proc);
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n') : [];
}

/** Requests per endpoint among MLflow access-log lines, e.g. `POST runs/log-batch` → 800. */
export function mlflowRequests(lines: string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of lines) {
    const m = /"([A-Z]+) \/api\/2\.0\/(mlflow-artifacts\/artifacts|mlflow\/[^ ?]+)/.exec(line);
    if (!m?.[1] || !m[2]) continue;
    const endpoint = `${m[1]} ${m[2].replace(/^mlflow\//, '')}`;
    out.set(endpoint, (out.get(endpoint) ?? 0) + 1);
  }
  return out;
}

/**
 * The Temporal server's warnings that a run's history or a payload passed its warning (or error)
 * limit, as temporalio/temporal words them: "history size exceeds warn limit." (size or event count,
 * service/history/workflow/context.go; "… error limit." past the hard one), "mutable state size exceeds
 * warn limit.", "Blob data size exceeds the warning limit." (common/util.go; "Blob size exceeds limit."
 * in older servers), and the failures "Workflow history size/count exceeds limit.".
 */
export const TEMPORAL_LIMIT_WARNING =
  /history (?:size|count) exceeds|mutable state size exceeds|blob (?:data )?size exceeds/i;

/** Those warnings among Temporal server log lines. */
export const temporalLimitWarnings = (lines: string[]) =>
  lines.filter((line) => TEMPORAL_LIMIT_WARNING.test(line));
