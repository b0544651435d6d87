/**
 * Errors of the MLflow REST client. Messages say which request failed (method, endpoint, a summary of
 * what was sent) and what the server said; they never contain credentials, headers or full payloads.
 */
import { UserError } from '../core/common/errors.js';

/** Thrown when the tracking server rejects a request (4xx other than 429): sending it again will not help. */
export class MlflowRequestError extends UserError {
  constructor(
    readonly method: string,
    readonly endpoint: string,
    readonly status: number,
    /** MLflow's `error_code`, e.g. `RESOURCE_DOES_NOT_EXIST`, when the server sent one. */
    readonly errorCode: string | undefined,
    readonly serverMessage: string,
    /** One-line summary of the request body or query. */
    readonly sent: string,
  ) {
    super(
      status === 401 || status === 403
        ? 'E_MLFLOW_AUTH'
        : isRedirect(status)
          ? 'E_MLFLOW_REDIRECT'
          : 'E_MLFLOW_REQUEST',
      `MLflow ${method} ${endpoint} failed with HTTP ${status}${errorCode ? ` ${errorCode}` : ''}: ${serverMessage} (sent ${sent})` +
        (status === 401 || status === 403
          ? '. Check MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD.'
          : isRedirect(status)
            ? '. seedsweep does not follow redirects (they could carry credentials elsewhere): set MLFLOW_TRACKING_URI to the address the server redirects to.'
            : ''),
    );
  }
}

/** 3xx: the tracking URI points somewhere that sends clients on; a setup problem, not the request's. */
export function isRedirect(status: number): boolean {
  return status >= 300 && status < 400;
}

/**
 * Thrown when an answer with a success status is not what MLflow sends (not JSON, cut short, wrong
 * types, missing fields, an error body): something between seedsweep and MLflow, or another service
 * at the tracking URI, answered. Transient: idempotent requests were retried first, and a write the
 * server may have carried out stays in the outbox to be sent (and checked) again.
 */
export class MlflowAnswerError extends UserError {
  constructor(
    readonly method: string,
    readonly endpoint: string,
    /** Tracking URI without credentials. */
    readonly trackingUri: string,
    readonly status: number,
    /** What was wrong with the answer, in a few words. */
    readonly problem: string,
    readonly attempts: number,
  ) {
    super(
      'E_MLFLOW_ANSWER',
      `MLflow ${method} ${endpoint} at ${trackingUri} answered HTTP ${status} with ${problem}, not an MLflow answer (${attempts} attempt(s)). ` +
        'Check that MLFLOW_TRACKING_URI is the tracking server itself (not a proxy or another service); tracking writes stay in the outbox, run `seedsweep sync` once it answers properly.',
      { transient: true },
    );
  }
}

/** Thrown when the tracking server cannot be reached, times out or keeps failing (429/5xx) after every retry. */
export class MlflowUnavailableError extends UserError {
  constructor(
    readonly method: string,
    readonly endpoint: string,
    /** Tracking URI without credentials. */
    readonly trackingUri: string,
    /** Last HTTP status, or undefined for a network error. */
    readonly status: number | undefined,
    /** Network error code (`ECONNREFUSED`, `ECONNABORTED` …) or the server's message. */
    readonly reason: string,
    readonly attempts: number,
  ) {
    super(
      'E_MLFLOW_UNAVAILABLE',
      `MLflow ${method} ${endpoint} at ${trackingUri} failed after ${attempts} attempt(s): ${status === undefined ? '' : `HTTP ${status} `}${reason}. ` +
        'Is the tracking server running and MLFLOW_TRACKING_URI right? Tracking writes stay in the outbox; run `seedsweep sync` once it is back.',
      { transient: true },
    );
  }
}

/** True when an error means "the server is not there right now" rather than "the request is wrong". */
export function isUnavailable(error: unknown): error is MlflowUnavailableError {
  return error instanceof MlflowUnavailableError;
}

/**
 * True for MLflow's refusal to write to a deleted run (HTTP 400 `INVALID_PARAMETER_VALUE`: "The run …
 * must be in the 'active' state. Current state is deleted."): seedsweep deletes a trial's run when a
 * later attempt takes the trial over, so for its writes this means "superseded".
 */
export function isDeletedRunError(error: unknown): error is MlflowRequestError {
  return error instanceof MlflowRequestError && /must be in the 'active' state/.test(error.serverMessage);
}
