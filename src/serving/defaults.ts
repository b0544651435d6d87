/** The inference server's defaults, apart from the server so that `seedsweep serve --help` shows them without loading fastify or TF.js. */

/** 6 MiB: the largest payload a SageMaker real-time endpoint accepts, so a bundle behaves the same locally and there. */
export const DEFAULT_MAX_BODY_BYTES = 6 * 1024 * 1024;
/** The SageMaker contract's port. */
export const DEFAULT_PORT = 8080;
/**
 * Time a request has to arrive whole (headers and body), in ms; a slower one gets 408. Well under
 * SageMaker's 60 s invocation timeout, well over what a 6 MiB body needs on any working link.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/**
 * Requests (other than /ping) handled at once; more get 503 with Retry-After. Each may hold a whole
 * body in memory, so this also bounds the memory requests take: 16 × 6 MiB.
 */
export const DEFAULT_MAX_CONCURRENT = 16;
/** Seconds a client is asked to wait (Retry-After) when the server is busy or still loading. */
export const RETRY_AFTER_SECONDS = 1;
