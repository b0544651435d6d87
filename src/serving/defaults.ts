/** The inference server's defaults, apart from the server so that `seedsweep serve --help` shows them without loading fastify or TF.js. */

/** 6 MiB: the largest payload a SageMaker real-time endpoint accepts, so a bundle behaves the same locally and there. */
export const DEFAULT_MAX_BODY_BYTES = 6 * 1024 * 1024;
/** The SageMaker contract's port. */
export const DEFAULT_PORT = 8080;
