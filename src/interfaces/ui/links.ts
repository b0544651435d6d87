/**
 * Where the live page links to: a trial's run in the MLflow UI and a sweep's workflow in the Temporal
 * UI, from the addresses the CLI knows (the tracking URI; a Temporal UI given on the command line or
 * found beside the Temporal server at the dev server's usual UI port).
 */
import { isPortOpen } from '../../services/local-server.js';

/** The UIs the page links to; a link is left out when its UI is not known. */
export interface UiLinks {
  /** Base URL of the MLflow UI (the tracking server serves it), e.g. `http://127.0.0.1:5000`. */
  mlflow?: string;
  /** Base URL of the Temporal UI, e.g. `http://127.0.0.1:8233`. */
  temporal?: string;
  /** Temporal namespace of the sweeps. */
  namespace: string;
}

const trimSlash = (url: string): string => url.replace(/\/+$/, '');

/** The MLflow UI page of a run (MLflow's direct run route finds the experiment itself). */
export function mlflowRunUrl(mlflowBase: string, runId: string): string {
  return `${trimSlash(mlflowBase)}/#/runs/${encodeURIComponent(runId)}`;
}

/** The Temporal UI page of a workflow (a sweep id is its workflow id). */
export function temporalWorkflowUrl(temporalUi: string, namespace: string, workflowId: string): string {
  return `${trimSlash(temporalUi)}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/** The UI port `temporal server start-dev` opens beside its frontend when not headless: frontend port + 1000. */
export const DEV_SERVER_UI_OFFSET = 1000;

/**
 * The Temporal UI beside a Temporal address `host:port`: `http://host:(port + 1000)` when that port
 * answers (a dev server started with its UI), else undefined. seedsweep's embedded dev server runs
 * headless, so it has none: then the page shows no Temporal link unless `--temporal-ui` names one.
 */
export async function findTemporalUi(temporalAddress: string): Promise<string | undefined> {
  const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(temporalAddress.trim());
  if (!match) return undefined;
  const host = match[1]!;
  const port = Number(match[2]) + DEV_SERVER_UI_OFFSET;
  if (port > 65_535) return undefined;
  const bare = host.replace(/^\[|\]$/g, '');
  return (await isPortOpen(bare, port)) ? `http://${host}:${port}` : undefined;
}
