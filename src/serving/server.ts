/**
 * The inference endpoint, following the SageMaker serving contract: `GET /ping` answers 200 once the
 * model is loaded (503 before), `POST /invocations` answers predictions for requests in the model's
 * own input signature (any model saved with a seedsweep manifest). Bad requests get a 4xx with
 * `{"error": {"code", "message", …}}` and never stop the server. Built on fastify, which bounds the
 * body size before anything is parsed.
 */
import Fastify, { type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import type * as tf from '@tensorflow/tfjs';
import { UserError } from '../core/common/errors.js';
import { loadSavedModel, type AnyModelManifest } from '../training/model-io.js';
import { ACCEPTED_CONTENT_TYPES, decodeInvocation } from './decode-request.js';
import { errorBody, ServingError } from './errors.js';
import { createPredictor, type Predictor } from './predictor.js';
import { describeInputs, describeServedModel } from './served-model.js';

import { DEFAULT_MAX_BODY_BYTES, DEFAULT_PORT } from './defaults.js';

export { DEFAULT_MAX_BODY_BYTES, DEFAULT_PORT };

/** Options of {@link startInferenceServer}. */
export interface InferenceServerOptions {
  /** Folder written by `saveModelToDir` (model.json, weights.bin, manifest.json). */
  modelDir: string;
  /**
   * Interface to listen on. Loopback by default so a developer's `seedsweep serve` is not exposed to
   * the network; containers pass `0.0.0.0` (the bundle's `serve` entry does), as SageMaker requires.
   * @default '127.0.0.1'
   */
  host?: string;
  /** TCP port; 0 picks a free one. @default 8080 */
  port?: number;
  /** Largest request body in bytes; larger ones get 413. @default 6 MiB (SageMaker's limit) */
  maxBodyBytes?: number;
  /**
   * Most examples in one request; more get 413. @default derived from the model's input size: 128
   * for 32×32×3 images (about 1.5 MB of JSON), more for smaller inputs (up to 4096), fewer for larger
   */
  maxBatch?: number;
  /**
   * Resolve only once the model is loaded (the server already listens and answers `/ping` with 503
   * while loading). With false, await `ready` yourself. @default true
   */
  waitForModel?: boolean;
  /** Loads the model folder. @default loadSavedModel (either manifest format) */
  loadModel?: (dir: string) => Promise<{ model: tf.LayersModel; manifest: AnyModelManifest }>;
  /** Where to report start-up and unexpected errors (one line each). @default no logging */
  log?: (line: string) => void;
}

/** A running inference server. */
export interface InferenceServer {
  /** Base URL, e.g. `http://127.0.0.1:8080` (a wildcard host is shown as loopback). */
  url: string;
  /** Settles when the model is loaded (rejects with the load error). */
  ready: Promise<void>;
  /** The loaded model's manifest, once ready. */
  manifest(): AnyModelManifest | undefined;
  /** Most examples per request, once ready (configured, or derived from the model's input size). */
  maxBatch(): number | undefined;
  /** Stops listening, finishes open requests and frees the model. */
  close(): Promise<void>;
}

/**
 * Starts listening, then loads the model. With `waitForModel` (the default) a failed load closes the
 * server and rejects with the load's error (e.g. `E_MODEL_MISSING`).
 */
export async function startInferenceServer(options: InferenceServerOptions): Promise<InferenceServer> {
  const host = options.host ?? '127.0.0.1';
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const log = options.log ?? (() => {});
  let loaded:
    { model: tf.LayersModel; manifest: AnyModelManifest; predictor: Predictor; maxBatch: number } | undefined;
  let loadError: unknown;

  const app = Fastify({ bodyLimit: maxBodyBytes, requestTimeout: 60_000, logger: false });
  // Bodies are parsed by decodeInvocation, whatever their type, so every failure gets our error format.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBodyBytes }, (_request, body, done) =>
    done(null, body),
  );

  app.get('/ping', async (_request, reply) => {
    if (loaded) return reply.code(200).send({ status: 'healthy' });
    return sendError(reply, notReady(loadError));
  });
  app.get('/model', async (_request, reply) => {
    if (!loaded) return sendError(reply, notReady(loadError));
    return reply.send(describeLoaded(loaded, maxBodyBytes));
  });
  app.post('/invocations', async (request, reply) => {
    if (!loaded) throw notReady(loadError);
    checkAccept(request);
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const decoded = decodeInvocation({
      body,
      contentType: request.headers['content-type'],
      maxBatch: loaded.maxBatch,
      served: loaded.predictor.served,
    });
    return reply.send({ predictions: loaded.predictor.predict(decoded) });
  });
  for (const [url, allowed] of [
    ['/ping', 'GET, HEAD'],
    ['/invocations', 'POST'],
    ['/model', 'GET, HEAD'],
  ] as const) {
    const methods = ['DELETE', 'PATCH', 'PUT', 'OPTIONS', allowed === 'POST' ? 'GET' : 'POST'];
    if (allowed === 'POST') methods.push('HEAD');
    app.route({
      method: methods,
      url,
      handler: async (request, reply) => {
        reply.header('allow', allowed);
        return sendError(
          reply,
          new ServingError(
            'E_METHOD_NOT_ALLOWED',
            `${request.method} ${url} is not supported; use ${allowed}`,
          ),
        );
      },
    });
  }
  app.setNotFoundHandler(async (request, reply) =>
    sendError(
      reply,
      new ServingError(
        'E_NOT_FOUND',
        `no such endpoint: ${request.method} ${request.url}; the server answers GET /ping, POST /invocations and GET /model`,
      ),
    ),
  );
  app.setErrorHandler(async (error: FastifyError | ServingError, request, reply) => {
    if (error instanceof ServingError) return sendError(reply, error);
    const status = error.statusCode ?? 500;
    if (status === 413)
      return sendError(
        reply,
        new ServingError(
          'E_BODY_TOO_LARGE',
          `the request body exceeds ${maxBodyBytes} bytes; send fewer examples (or smaller images) per request`,
        ),
      );
    if (status === 415) return sendError(reply, new ServingError('E_UNSUPPORTED_MEDIA_TYPE', error.message));
    if (status >= 400 && status < 500) {
      return reply.code(status).send(errorBody(error.code ?? 'E_BAD_REQUEST', error.message));
    }
    log(
      `inference server: unexpected error on ${request.method} ${request.url}: ${error.stack ?? error.message}`,
    );
    return reply
      .code(500)
      .send(errorBody('E_INTERNAL', 'the server failed to answer this request; see its log'));
  });

  const port = options.port ?? DEFAULT_PORT;
  try {
    await app.listen({ host, port });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      throw new UserError(
        'E_LISTEN',
        `cannot listen on ${host}:${port} (${code}${code === 'EADDRINUSE' ? ': the port is taken' : ''}); choose another --port or --host`,
        { cause: error },
      );
    }
    throw error;
  }
  const address = app.server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const shownHost =
    host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${boundPort}`;

  const ready = (async () => {
    try {
      const { model, manifest } = await (options.loadModel ?? loadSavedModel)(options.modelDir);
      try {
        const predictor = createPredictor({ model, manifest });
        const maxBatch = options.maxBatch ?? predictor.served.defaultMaxBatch;
        loaded = { model, manifest, predictor, maxBatch };
      } catch (error) {
        model.dispose();
        throw error;
      }
      const served = loaded.predictor.served;
      log(
        `inference server: model ${describeLoaded(loaded, maxBodyBytes).summary} ready on ${url}${manifest.synthetic ? ' (trained on SYNTHETIC data)' : ''}`,
      );
      log(
        `inference server: inputs ${describeInputs(served.inputs)}; accepts ${served.image ? ACCEPTED_CONTENT_TYPES.join(', ') : 'application/json'}; at most ${loaded.maxBatch} examples per request`,
      );
      if (served.unappliedPreprocessing)
        log(
          `inference server: the model's preprocessing ${JSON.stringify(served.unappliedPreprocessing)} is descriptive: JSON inputs are fed to the model as sent, so send them preprocessed`,
        );
    } catch (error) {
      loadError = error;
      throw error;
    }
  })();
  ready.catch(() => {}); // observed by waitForModel or by the caller; never an unhandled rejection

  const close = async () => {
    await app.close();
    loaded?.model.dispose();
    loaded = undefined;
  };
  if (options.waitForModel ?? true) {
    try {
      await ready;
    } catch (error) {
      await close();
      throw error;
    }
  }
  return { url, ready, manifest: () => loaded?.manifest, maxBatch: () => loaded?.maxBatch, close };
}

function notReady(loadError: unknown): ServingError {
  return new ServingError(
    'E_MODEL_NOT_READY',
    loadError === undefined
      ? 'the model is still loading; retry shortly'
      : `the model failed to load: ${loadError instanceof Error ? loadError.message : String(loadError)}`,
  );
}

function sendError(reply: FastifyReply, error: ServingError): FastifyReply {
  return reply
    .code(error.status)
    .type('application/json')
    .send(errorBody(error.code, error.message, error.details));
}

/** Answers are JSON only: refuse an Accept header that rules JSON out. */
function checkAccept(request: FastifyRequest): void {
  const accept = request.headers.accept;
  if (!accept) return;
  const types = accept.split(',').map((part) => part.split(';')[0]!.trim().toLowerCase());
  if (types.some((t) => t === 'application/json' || t === 'application/*' || t === '*/*' || t === '')) return;
  throw new ServingError(
    'E_NOT_ACCEPTABLE',
    `Accept "${accept}" rules out application/json, the only format this endpoint answers in`,
  );
}

function describeLoaded(
  loaded: { manifest: AnyModelManifest; predictor: Predictor; maxBatch: number },
  maxBodyBytes: number,
) {
  return describeServedModel(loaded.manifest, loaded.predictor.served, {
    maxBatch: loaded.maxBatch,
    maxBodyBytes,
  });
}
