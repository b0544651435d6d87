/**
 * What a failed Temporal call means to the user of a client command: one UserError naming Temporal (its
 * address when the session told us), the call, what went wrong and what to do, instead of the SDK's
 * ServiceError (a stack trace labelled "unexpected" in the CLI). Also the deadline every client call
 * runs under, so that a server that accepts a call and never answers cannot hold a command for long.
 *
 * Codes: `E_TEMPORAL_UNREACHABLE` (UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED, a transport error:
 * transient), `E_TEMPORAL_BUSY` (RESOURCE_EXHAUSTED: transient), `E_TEMPORAL_AUTH` (UNAUTHENTICATED,
 * PERMISSION_DENIED), `E_TEMPORAL_ERROR` (any other status the server answered), `E_TEMPORAL_BAD_ANSWER`
 * (an answer that could not be read, or is not what the call answers).
 */
import type { Client } from '@temporalio/client';
import { UserError } from '../../core/common/errors.js';
import { quoteLine as quoted } from '../../core/common/quote-line.js';

/**
 * How long one client operation's calls may take, retries included: SEEDSWEEP_TEMPORAL_TIMEOUT_SECONDS,
 * else 20 s (the SDK's own default is 30 s per attempt, and none for a server that never answers).
 */
export function temporalCallTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = Number(env['SEEDSWEEP_TEMPORAL_TIMEOUT_SECONDS']);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 20_000;
}

const GRPC_CODE_NAMES = [
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS',
  'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE',
  'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED',
]; // prettier-ignore

const UNREACHABLE_CODES = new Set([1, 4, 14]);
const AUTH_CODES = new Set([7, 16]);
const BUSY_CODE = 8;

const addresses = new WeakMap<Client, string>();

/** Remembers which server a client talks to, so that its errors can name it. */
export function rememberTemporalAddress(client: Client, address: string): void {
  addresses.set(client, address);
}

function where(client: Client): string {
  const address = addresses.get(client);
  return address ? `Temporal at ${address}` : 'Temporal';
}

/** The gRPC status code of an SDK error (a ServiceError carries it on its cause), if it has one. */
function grpcCodeOf(error: unknown): number | undefined {
  const seen = new Set<unknown>();
  for (let e: unknown = error; e instanceof Error && !seen.has(e); e = e.cause) {
    seen.add(e);
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'number' && Number.isInteger(code)) return code;
  }
  return undefined;
}

/** The innermost message of an error and its causes (the SDK's outer ones say only "Failed to …"). */
function innermostMessage(error: unknown): string {
  let message = error instanceof Error ? error.message : String(error);
  const seen = new Set<unknown>();
  for (let e: unknown = error; e instanceof Error && !seen.has(e); e = e.cause) {
    seen.add(e);
    if (e.message) message = e.message;
  }
  return message;
}

/** The UserError for an error thrown by the Temporal call `what` (e.g. `describing sweep x`). */
export function temporalCallError(client: Client, what: string, error: unknown): UserError {
  if (error instanceof UserError) return error;
  const server = where(client);
  const name = error instanceof Error ? error.name : '';
  if (name === 'NamespaceNotFoundError') {
    return new UserError(
      'E_TEMPORAL_NAMESPACE',
      `${server} answered ${what}: ${quoted((error as Error).message)}; set TEMPORAL_NAMESPACE to an existing namespace.`,
      { cause: error },
    );
  }
  // The SDK turns NOT_FOUND into a WorkflowNotFoundError without the code; the callers that expect one
  // (a sweep id that does not exist) handle it first, so here it is an answer the call should not get.
  const code = name === 'WorkflowNotFoundError' ? 5 : grpcCodeOf(error);
  const detail = quoted(innermostMessage(error)) || name;
  if (code === undefined) {
    return new UserError(
      'E_TEMPORAL_BAD_ANSWER',
      `${server} sent an answer to ${what} that seedsweep cannot read (${detail}); run the command again, and if it repeats, check what sits between seedsweep and Temporal (proxy, load balancer) and that the server is a supported Temporal version.`,
      { cause: error, transient: true },
    );
  }
  const status = `${GRPC_CODE_NAMES[code] ?? `gRPC status ${code}`}${detail ? `: ${detail}` : ''}`;
  if (UNREACHABLE_CODES.has(code)) {
    return new UserError(
      'E_TEMPORAL_UNREACHABLE',
      `${server} did not answer ${what} (${status}); check that the server is running and reachable (TEMPORAL_ADDRESS), then run the command again.`,
      { cause: error, transient: true },
    );
  }
  if (code === BUSY_CODE) {
    return new UserError(
      'E_TEMPORAL_BUSY',
      `${server} refused ${what} for now (${status}): it is overloaded or rate-limiting this namespace; run the command again in a minute.`,
      { cause: error, transient: true },
    );
  }
  if (AUTH_CODES.has(code)) {
    return new UserError(
      'E_TEMPORAL_AUTH',
      `${server} refused ${what} (${status}); use credentials (TEMPORAL_API_KEY, or TEMPORAL_TLS_CERT/TEMPORAL_TLS_KEY) that are allowed on this namespace, and check TEMPORAL_NAMESPACE.`,
      { cause: error },
    );
  }
  return new UserError(
    'E_TEMPORAL_ERROR',
    `${server} failed ${what} (${status}); run the command again, and if it repeats, check the server's logs and that it is a supported Temporal version.`,
    { cause: error, transient: code === 2 || code === 10 || code === 13 },
  );
}

/**
 * Runs the Temporal calls of `fn` under {@link temporalCallTimeoutMs} (the SDK's deadline, and a
 * timer of ours in case an answer never comes) and turns what they throw into a UserError.
 */
export async function temporalCall<T>(
  client: Client,
  what: string,
  fn: () => Promise<T>,
  timeoutMs = temporalCallTimeoutMs(),
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new UserError(
            'E_TEMPORAL_UNREACHABLE',
            `${where(client)} did not answer ${what} within ${Math.round(timeoutMs / 1000)} s; check that the server is running and not overloaded, then run the command again.`,
            { transient: true },
          ),
        ),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([client.withDeadline(Date.now() + timeoutMs, fn), timedOut]);
  } catch (error) {
    throw temporalCallError(client, what, error);
  } finally {
    clearTimeout(timer);
  }
}

/** An answer that arrived but is not what the call answers (a missing field, a wrong type). */
export function badAnswer(client: Client, what: string, problem: string): UserError {
  return new UserError(
    'E_TEMPORAL_BAD_ANSWER',
    `${where(client)} answered ${what} with ${quoted(problem)}; run the command again, and if it repeats, check what sits between seedsweep and Temporal (proxy, load balancer) and that the server is a supported Temporal version.`,
    { transient: true },
  );
}
