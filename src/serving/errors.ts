/** Errors the inference server answers with a 4xx or 503 status and `{"error": {"code", "message", …}}`. */

/** Stable error codes of the inference endpoint, with the HTTP status each one is answered with. */
export const ServingErrorCode = {
  E_EMPTY_BODY: 400,
  E_INVALID_JSON: 400,
  E_BAD_INSTANCES: 400,
  E_MISSING_INPUT: 400,
  E_UNKNOWN_INPUT: 400,
  E_BAD_SHAPE: 400,
  E_BAD_VALUE: 400,
  E_BAD_PIXEL: 400,
  E_BAD_IMAGE: 400,
  E_IMAGE_SIZE: 400,
  E_IMAGE_CHANNELS: 400,
  E_JSON_TOO_DEEP: 400,
  E_BAD_REQUEST: 400,
  E_UNAUTHORIZED: 401,
  E_NOT_FOUND: 404,
  E_METHOD_NOT_ALLOWED: 405,
  E_NOT_ACCEPTABLE: 406,
  E_REQUEST_TIMEOUT: 408,
  E_BODY_TOO_LARGE: 413,
  E_TOO_MANY_INSTANCES: 413,
  E_TOO_MANY_VALUES: 413,
  E_UNSUPPORTED_MEDIA_TYPE: 415,
  E_EXPECTATION_FAILED: 417,
  E_HEADERS_TOO_LARGE: 431,
  E_MODEL_NOT_READY: 503,
  E_OVERLOADED: 503,
} as const;
export type ServingErrorCode = keyof typeof ServingErrorCode;

/**
 * Every status the server answers with: 200, and those of {@link ServingErrorCode}. A 500
 * (`E_INTERNAL`, logged with its stack, never sent) means a bug in the server.
 */
export const SERVING_STATUSES: readonly number[] = [200, ...new Set(Object.values(ServingErrorCode))].sort(
  (a, b) => a - b,
);

/**
 * Where a request went wrong, for clients that act on it without parsing the message: `field` is a
 * JSON path such as `instances[2][0]` (or `body`), `expected` and `got` say what should be there.
 */
export interface ServingErrorDetails {
  field?: string;
  expected?: string;
  got?: string;
}

/** Thrown while handling a request when the client sent something the endpoint cannot answer. */
export class ServingError extends Error {
  override readonly name = 'ServingError';
  /** HTTP status of the answer, from {@link ServingErrorCode}. */
  readonly status: number;
  constructor(
    readonly code: ServingErrorCode,
    message: string,
    readonly details: ServingErrorDetails = {},
  ) {
    super(message);
    this.status = ServingErrorCode[code];
  }
}

/** The JSON body of every error answer. */
export interface ServingErrorBody {
  error: { code: string; message: string } & ServingErrorDetails;
}

export function errorBody(
  code: string,
  message: string,
  details: ServingErrorDetails = {},
): ServingErrorBody {
  return { error: { code, message, ...details } };
}
