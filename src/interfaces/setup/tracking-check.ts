/**
 * Before a sweep is submitted: the tracking server `MLFLOW_TRACKING_URI` names must proxy artifacts,
 * or every trial would train and then never reach it (each trial's end uploads its model and record).
 * Saying so now takes a request or two instead of a sweep's training and a 20-minute wait.
 */
import { MlflowClient } from '../../tracking/mlflow-client.js';
import {
  MlflowAnswerError,
  MlflowRequestError,
  MlflowUnavailableError,
} from '../../tracking/mlflow-errors.js';

/** Retries and per-request timeout of the check: it must not hold up a sweep behind a server that is down. */
const CHECK = { maxRetries: 1, timeoutMs: 10_000 } as const;

/**
 * Refuses a tracking server that keeps the sweep's experiment (named after the sweep) outside its
 * proxied artifact store. Nothing is checked without `MLFLOW_TRACKING_URI` (seedsweep's own local server
 * proxies artifacts), nor when the server cannot be asked (down, refusing, not MLflow): the tracker
 * journals the sweep's writes and says what is wrong when it sends them.
 * @throws UserError `E_MLFLOW_ARTIFACTS_NOT_PROXIED` (what the server gave and the fix), or `E_MLFLOW_URI`
 * for a tracking URI that is not an http(s) URL.
 */
export async function checkTrackingServer(options: {
  /** The sweep's name: its experiment's name. */
  sweepName: string;
}): Promise<void> {
  if (!process.env['MLFLOW_TRACKING_URI']) return;
  const client = MlflowClient.fromEnv({ ...CHECK });
  try {
    await client.checkArtifactProxy(options.sweepName);
  } catch (error) {
    if (
      error instanceof MlflowUnavailableError ||
      error instanceof MlflowAnswerError ||
      error instanceof MlflowRequestError
    )
      return;
    throw error;
  }
}
