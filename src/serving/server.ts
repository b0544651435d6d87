/**
 * The inference endpoint, following the SageMaker serving contract: `GET /ping` answers 200 once the
 * model is loaded (503 before), `POST /invocations` answers predictions for requests in the model's
 * own input signature (any model saved with a seedsweep manifest). Bad requests get a 4xx with
 * `{"error": {"code", "message", …}}` and never stop the server.
 *
 * Locked down for hostile clients: loopback unless told otherwise; an optional bearer token on every
 * endpoint but /ping (health checks carry none); the body limit enforced from Content-Length before
 * the body is read (fastify); JSON and image decode limits from the model's own signature; a request
 * timeout (408) for senders that stall; a cap on requests in flight (503 with Retry-After), which
 * also caps the memory bodies take; and malformed HTTP answered in the same JSON error format.
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import type * as tf from '@tensorflow/tfjs';
import { UserError } from '../core/common/errors.js';
import { loadSavedModel, type AnyModelManifest } from '../training/model-io.js';
import { bearerTokenChecker } from './bearer-token.js';
import { ACCEPTED_CONTENT_TYPES, decodeInvocation } from './decode-request.js';
import { closeLingering, isLingering, lingerOnClose } from './lingering-close.js';
import { errorBody, ServingError, ServingErrorCode } from './errors.js';
import { createPredictor, type Predictor } from './predictor.js';
import { describeInputs, describeServedModel } from './served-model.js';

import {
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_CONCURRENT,
  DEFAULT_PORT,
  DEFAULT_REQUEST_TIMEOUT_MS,
  RETRY_AFTER_SECONDS,
} from './defaults.js';

export { DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_CONCURRENT, DEFAULT_PORT, DEFAULT_REQUEST_TIMEOUT_MS };

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
  /**
   * Largest request body in bytes; larger ones get 413, from their Content-Length before the body is
   * read (or as soon as a chunked body passes the limit). @default 6 MiB (SageMaker's limit)
   */
  maxBodyBytes?: number;
  /**
   * Bearer token every request but /ping must carry (`Authorization: Bearer <token>`), compared in
   * constant time; others get 401 with `WWW-Authenticate`. The CLI and the container entry read it
   * from SEEDSWEEP_SERVE_TOKEN. @default none (every request is let in)
   */
  token?: string;
  /** Milliseconds a request has to arrive whole (headers and body); a slower one gets 408. @default 30 000 */
  requestTimeoutMs?: number;
  /** Requests other than /ping handled at once; more get 503 with Retry-After. @default 16 */
  maxConcurrent?: number;
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
  /** Requests (other than /ping) being received or answered now. */
  inFlight(): number;
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
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const maxConcurrent = options.maxConcurrent ?? DEFAULT_MAX_CONCURRENT;
  const checkToken = options.token === undefined ? undefined : bearerTokenChecker(options.token);
  const log = options.log ?? (() => {});
  let loaded:
    { model: tf.LayersModel; manifest: AnyModelManifest; predictor: Predictor; maxBatch: number } | undefined;
  let loadError: unknown;
  let inFlight = 0;

  const app = Fastify({
    bodyLimit: maxBodyBytes,
    logger: false,
    // A request whose body has not arrived within the timeout is answered 408 by the error handler;
    // Node's own timers (checked every quarter of it, not every 30 s) answer stalled headers.
    handlerTimeout: requestTimeoutMs,
    requestTimeout: requestTimeoutMs + 1_000,
    http: {
      // Node would answer a missing Host itself, with an empty body: the onRequest hook does, in JSON.
      requireHostHeader: false,
      headersTimeout: requestTimeoutMs,
      connectionsCheckingInterval: Math.min(30_000, Math.max(50, Math.floor(requestTimeoutMs / 4))),
    },
    clientErrorHandler: (error, socket) => answerClientError(error, socket, requestTimeoutMs),
    frameworkErrors: (error, _request, reply) =>
      sendError(reply, new ServingError('E_BAD_REQUEST', `the request is malformed: ${error.message}`)),
  });
  // Bodies are parsed by decodeInvocation, whatever their type, so every failure gets our error format.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBodyBytes }, (_request, body, done) =>
    done(null, body),
  );

  // Before any body is read: the token, then the cap on requests in flight. /ping passes both, as
  // SageMaker's health checks carry no token and must not be turned away by a busy server.
  app.addHook('onRequest', async (request, reply) => {
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined)
      return sendError(
        reply,
        new ServingError('E_BAD_REQUEST', 'an HTTP/1.1 request needs a Host header (RFC 9112)'),
      );
    if (request.routeOptions.url === '/ping') return;
    if (checkToken) {
      const verdict = checkToken(request.headers.authorization);
      if (verdict !== 'ok') {
        reply.header(
          'www-authenticate',
          verdict === 'invalid'
            ? 'Bearer realm="seedsweep", error="invalid_token"'
            : 'Bearer realm="seedsweep"',
        );
        return sendError(
          reply,
          new ServingError(
            'E_UNAUTHORIZED',
            verdict === 'invalid'
              ? 'the bearer token is not the one this server was started with'
              : 'this server needs a bearer token: send "Authorization: Bearer <token>" (the value of SEEDSWEEP_SERVE_TOKEN where it runs)',
          ),
        );
      }
    }
    if (inFlight >= maxConcurrent) {
      return sendError(
        reply,
        new ServingError(
          'E_OVERLOADED',
          `the server is handling ${maxConcurrent} requests, its limit; retry after ${RETRY_AFTER_SECONDS} s`,
        ),
      );
    }
    inFlight += 1;
    // 'close' comes once per response, whether it was sent or the client went away.
    reply.raw.once('close', () => (inFlight -= 1));
  });

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
    if (error.code === 'FST_ERR_HANDLER_TIMEOUT')
      return sendError(
        reply,
        new ServingError(
          'E_REQUEST_TIMEOUT',
          `the request did not arrive whole within ${requestTimeoutMs} ms; send it again on a faster link, or in smaller requests`,
        ),
      );
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
      // Malformed framing fastify notices (a Content-Length that does not match the body, …).
      return sendError(
        reply,
        new ServingError('E_BAD_REQUEST', `the request is malformed: ${error.message}`),
      );
    }
    log(
      `inference server: unexpected error on ${request.method} ${request.url}: ${error.stack ?? error.message}`,
    );
    return reply
      .code(500)
      .send(errorBody('E_INTERNAL', 'the server failed to answer this request; see its log'));
  });

  const port = options.port ?? DEFAULT_PORT;
  if (!checkToken && !isLoopback(host))
    log(
      `inference server: listening on ${host} without a token: anyone who can reach this port can query the model; set SEEDSWEEP_SERVE_TOKEN to require one`,
    );
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
  // Node closes a CONNECT request's connection unanswered unless someone listens: answer it as any
  // other unsupported method.
  app.server.on('connect', (request: { method?: string; url?: string }, socket: Socket) =>
    writeRawError(
      socket,
      405,
      errorBody(
        'E_METHOD_NOT_ALLOWED',
        `${request.method ?? 'CONNECT'} ${request.url ?? ''} is not supported; the server answers GET /ping, POST /invocations and GET /model`,
      ),
    ),
  );
  // Likewise an Expect header other than 100-continue, which Node answers 417 with an empty body.
  app.server.on('checkExpectation', (request: { headers: { expect?: string } }, response: ServerResponse) => {
    const body = JSON.stringify(
      errorBody(
        'E_EXPECTATION_FAILED',
        `Expect "${String(request.headers.expect).slice(0, 100)}" is not supported; the server meets only Expect: 100-continue`,
      ),
    );
    if (response.socket) lingerOnClose(response.socket);
    response.writeHead(417, {
      connection: 'close',
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    response.end(body);
  });
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
  return {
    url,
    ready,
    manifest: () => loaded?.manifest,
    maxBatch: () => loaded?.maxBatch,
    inFlight: () => inFlight,
    close,
  };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** Statuses of the errors Node reports before a request exists (`clientError`), by Node's error code. */
const CLIENT_ERRORS: Record<string, ServingErrorCode> = {
  ERR_HTTP_REQUEST_TIMEOUT: 'E_REQUEST_TIMEOUT',
  HPE_HEADER_OVERFLOW: 'E_HEADERS_TOO_LARGE',
};

/**
 * Answers what Node could not parse as a request (a malformed request line or header, headers over
 * 16 KiB, headers or a request that stalled past the timeout) in the same JSON error format, written
 * to the socket directly as there is no response object; then closes the connection.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Socket, requestTimeoutMs: number): void {
  if (error.code === 'ECONNRESET' || socket.destroyed || isLingering(socket)) return;
  const pending = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (pending && !pending.writableEnded && pending.req.complete) {
    // The bytes after a whole request are not HTTP: answer that request, then close.
    if (!pending.headersSent) pending.setHeader('connection', 'close');
    pending.once('close', () => closeLingering(socket));
    return;
  }
  if (!socket.writable || pending?.headersSent) {
    closeLingering(socket); // let an answer under way flush
    return;
  }
  const code = CLIENT_ERRORS[error.code ?? ''] ?? 'E_BAD_REQUEST';
  const message =
    code === 'E_REQUEST_TIMEOUT'
      ? `the request did not arrive whole within ${requestTimeoutMs} ms`
      : code === 'E_HEADERS_TOO_LARGE'
        ? 'the request headers exceed 16 KiB; send fewer or shorter headers'
        : `the request is not valid HTTP/1.1 (${error.code ?? 'parse error'}); check the request line and headers`;
  writeRawError(socket, ServingErrorCode[code], errorBody(code, message));
}

/** Writes a whole error answer to a socket that has no response object, then closes it. */
function writeRawError(socket: Socket, status: number, body: object): void {
  const text = JSON.stringify(body);
  socket.write(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
  );
  closeLingering(socket);
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};

function notReady(loadError: unknown): ServingError {
  return new ServingError(
    'E_MODEL_NOT_READY',
    loadError === undefined
      ? 'the model is still loading; retry shortly'
      : `the model failed to load: ${loadError instanceof Error ? loadError.message : String(loadError)}`,
  );
}

/**
 * Sends `error` in the JSON error format. An answer given before the body was read whole closes the
 * connection, so that the server does not wait for the rest of the body; it lingers briefly first,
 * reading and dropping, so that a client still sending is not reset before it reads the answer.
 */
function sendError(reply: FastifyReply, error: ServingError): FastifyReply {
  if (error.status === 503) reply.header('retry-after', String(RETRY_AFTER_SECONDS));
  if (!reply.request.raw.complete) {
    reply.header('connection', 'close');
    if (reply.raw.socket) lingerOnClose(reply.raw.socket);
  }
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
