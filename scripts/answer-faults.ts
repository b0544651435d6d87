/**
 * Faults made to MLflow's answers, for the fault proxy's `garble` mode (scripts/fault-proxy.ts) and the
 * answer fuzz (tests/integration/fuzz/mlflow-answers.fuzz.test.ts): given the real answer (status,
 * headers, body) and a fault, the answer to send instead, and how to send it.
 *
 * A fault is plain data (so a fuzzer can generate and shrink it): an optional status and content type,
 * body mutations applied in order, and how the bytes go out (whole, cut short, the connection closed
 * mid-body, after a stall, dripped). Positions are fractions in millionths, so a fault fits any body.
 */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { mulberry32 } from '../src/core/common/random.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A change to the body. `pick` chooses among the candidate places (modulo their number). */
export type BodyFault =
  /** The text cut at a position (a JSON answer then never closes). */
  | { kind: 'cut'; at: number }
  /** Junk inserted into the text at a position. */
  | { kind: 'junk'; at: number; junk: string }
  /** A field's value replaced by one of another JSON type (an id as a number, null, an object …). */
  | { kind: 'wrong-type'; pick: number; type: JsonType; seed: number }
  /** An array replaced by its JSON text. */
  | { kind: 'array-as-string'; pick: number }
  /** A field MLflow always sends, removed. */
  | { kind: 'drop-field'; pick: number }
  /** Fields MLflow does not send, added to an object (a newer server's: to be ignored). */
  | { kind: 'extra-fields'; pick: number; fields: Record<string, Json> }
  /** A string value replaced by a huge one. */
  | { kind: 'huge-string'; pick: number; length: number }
  /** A value replaced by arrays nested `depth` deep. */
  | { kind: 'deep-nesting'; pick: number; depth: number }
  /** The whole body replaced: nothing, a proxy's HTML error page, MLflow's error JSON, other text. */
  | { kind: 'replace'; with: 'empty' | 'html' | 'error-json' | 'text'; text: string };

export type JsonType = 'number' | 'string' | 'boolean' | 'null' | 'object' | 'array';
export const JSON_TYPES: readonly JsonType[] = ['number', 'string', 'boolean', 'null', 'object', 'array'];

/** How the answer's bytes go out. */
export type Sending =
  | { kind: 'whole' }
  /** The answer announces its full length, sends part of it and closes the connection. */
  | { kind: 'close-mid-body'; at: number }
  /** Nothing for `ms`, then the answer (the client has usually given up by then). */
  | { kind: 'stall'; ms: number }
  /** The answer in chunks of `bytes`, `gapMs` apart. */
  | { kind: 'drip'; bytes: number; gapMs: number };

export interface AnswerFault {
  /** Replaces the status. */
  status?: number;
  /** Replaces the content type. */
  contentType?: string;
  body: BodyFault[];
  sending: Sending;
}

/** An answer as received from MLflow, or as it will be sent. */
export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * Fields MLflow always sends in the answers seedsweep reads: removing one makes an answer MLflow would
 * not give. (Optional ones, such as `next_page_token` or `runs` of an empty search, are left: without
 * them an answer is still well-formed and means something else, which no client can tell.)
 */
const ALWAYS_SENT = new Set([
  'info',
  'run',
  'experiment',
  'experiment_id',
  'status',
  'artifact_uri',
  'lifecycle_stage',
  'key',
  'value',
  'timestamp',
  'path',
]);

/** The answer `fault` makes of `answer`. */
export function garble(answer: Answer, fault: AnswerFault): Answer {
  let body = answer.body;
  for (const change of fault.body) body = mutate(body, change);
  const headers: IncomingHttpHeaders = { ...answer.headers };
  for (const name of ['content-length', 'transfer-encoding', 'connection', 'keep-alive'])
    delete headers[name];
  if (fault.contentType !== undefined) headers['content-type'] = fault.contentType;
  const replaced = fault.body.findLast((b) => b.kind === 'replace');
  if (replaced?.with === 'html' && fault.contentType === undefined) headers['content-type'] = 'text/html';
  return { status: fault.status ?? answer.status, headers, body };
}

function mutate(body: Buffer, change: BodyFault): Buffer {
  switch (change.kind) {
    case 'cut':
      return body.subarray(0, position(body.length, change.at));
    case 'junk': {
      const at = position(body.length, change.at);
      return Buffer.concat([body.subarray(0, at), Buffer.from(change.junk), body.subarray(at)]);
    }
    case 'replace':
      return Buffer.from(replacement(change.with, change.text));
    default: {
      let text: string;
      try {
        text = JSON.stringify(mutateJson(JSON.parse(body.toString('utf8')) as Json, change));
      } catch {
        // Not JSON (any more), or nested too deeply to rewrite: structural faults leave it as it is.
        return body;
      }
      // Deep nesting is spliced in as text: JSON.stringify recurses, and would overflow the stack here.
      return Buffer.from(
        change.kind === 'deep-nesting'
          ? text.replace(JSON.stringify(DEEP), () => `${'['.repeat(change.depth)}${']'.repeat(change.depth)}`)
          : text,
      );
    }
  }
}

function replacement(kind: 'empty' | 'html' | 'error-json' | 'text', text: string): string {
  switch (kind) {
    case 'empty':
      return '';
    case 'html':
      return `<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><p>${text}</p></body></html>`;
    case 'error-json':
      return JSON.stringify({ error_code: 'INTERNAL_ERROR', message: text });
    case 'text':
      return text;
  }
}

/** Where deep nesting goes, replaced in the text afterwards. */
const DEEP = '\u0000deep-nesting\u0000';

type Place = { parent: Json[] | { [key: string]: Json }; key: string | number; value: Json };

function mutateJson(json: Json, change: Exclude<BodyFault, { kind: 'cut' | 'junk' | 'replace' }>): Json {
  const root = { root: json };
  const places = placesIn(root);
  const choose = (filter: (place: Place) => boolean): Place | undefined => {
    const candidates = places.filter(filter);
    return candidates.length === 0 ? undefined : candidates[change.pick % candidates.length];
  };
  const set = (place: Place, value: Json) => {
    (place.parent as Record<string | number, Json>)[place.key] = value;
  };
  switch (change.kind) {
    case 'wrong-type': {
      const place = choose((p) => p.parent !== root);
      if (!place) break;
      const type = typeOf(place.value) === change.type ? nextType(change.type) : change.type;
      set(place, valueOf(type, change.seed));
      break;
    }
    case 'array-as-string': {
      const place = choose((p) => Array.isArray(p.value));
      if (place) set(place, JSON.stringify(place.value));
      break;
    }
    case 'drop-field': {
      const place = choose((p) => !Array.isArray(p.parent) && ALWAYS_SENT.has(String(p.key)));
      if (place) delete (place.parent as Record<string, Json>)[place.key as string];
      break;
    }
    case 'extra-fields': {
      const objects = [root.root, ...places.map((p) => p.value)].filter(isObject);
      const target = objects[change.pick % Math.max(1, objects.length)];
      // Fields of its own win: an extra field adds, it does not replace what MLflow sent.
      if (target)
        for (const [key, value] of Object.entries(change.fields)) if (!(key in target)) target[key] = value;
      break;
    }
    case 'huge-string': {
      const place = choose((p) => typeof p.value === 'string');
      if (place) set(place, 'x'.repeat(change.length));
      break;
    }
    case 'deep-nesting': {
      const place = choose(() => true);
      if (place) set(place, DEEP);
      break;
    }
  }
  return root.root;
}

/** Every (parent, key) below `root`, breadth first, at most 10,000. */
function placesIn(root: { root: Json }): Place[] {
  const places: Place[] = [];
  const queue: Place[] = [
    { parent: root as unknown as { [key: string]: Json }, key: 'root', value: root.root },
  ];
  while (queue.length > 0 && places.length < 10_000) {
    const place = queue.shift()!;
    places.push(place);
    const value = place.value;
    if (Array.isArray(value)) value.forEach((v, i) => queue.push({ parent: value, key: i, value: v }));
    else if (isObject(value))
      for (const [k, v] of Object.entries(value)) queue.push({ parent: value, key: k, value: v });
  }
  return places;
}

function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeOf(value: Json): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value as JsonType;
}

function nextType(type: JsonType): JsonType {
  return JSON_TYPES[(JSON_TYPES.indexOf(type) + 1) % JSON_TYPES.length]!;
}

/** A value of `type`; strings never look like numbers (a numeric string is a valid int64 in MLflow's JSON). */
function valueOf(type: JsonType, seed: number): Json {
  switch (type) {
    case 'number':
      return seed % 3 === 0 ? seed : seed / 7;
    case 'string':
      return `x${seed.toString(36)}`;
    case 'boolean':
      return seed % 2 === 0;
    case 'null':
      return null;
    case 'object':
      return seed % 2 === 0 ? {} : { id: seed };
    case 'array':
      return seed % 2 === 0 ? [] : [seed];
  }
}

function position(length: number, millionths: number): number {
  return Math.min(length, Math.floor((length * millionths) / 1_000_000));
}

/**
 * Sends `answer` on `res` the way `sending` says. Resolves when done (or when the client went away);
 * a closed-mid-body answer destroys the connection.
 */
export async function sendAnswer(res: ServerResponse, answer: Answer, sending: Sending): Promise<void> {
  const gone = () => res.destroyed || res.socket === null || res.socket.destroyed;
  // One 'close' listener for every wait: a drip waits once per chunk.
  let wake: (() => void) | undefined;
  res.once('close', () => wake?.());
  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  if (sending.kind === 'stall') {
    await wait(sending.ms);
    if (gone()) return;
  }
  const { body } = answer;
  if (sending.kind === 'close-mid-body') {
    res.writeHead(answer.status, { ...answer.headers, 'content-length': String(body.length) });
    const at = body.length === 0 ? 0 : Math.min(body.length - 1, position(body.length, sending.at));
    res.write(body.subarray(0, at));
    // Let the prefix leave before the connection goes.
    await wait(5);
    res.socket?.destroy();
    res.destroy();
    return;
  }
  if (sending.kind === 'drip') {
    res.writeHead(answer.status, { ...answer.headers, 'content-length': String(body.length) });
    const step = Math.max(1, sending.bytes);
    for (let i = 0; i < body.length && !gone(); i += step) {
      res.write(body.subarray(i, i + step));
      await wait(sending.gapMs);
    }
    if (!gone()) res.end();
    return;
  }
  res.writeHead(answer.status, { ...answer.headers, 'content-length': String(body.length) });
  res.end(body);
}

/** A seeded generator of uniform numbers in [0, 1): the proxy's faults repeat from a seed. */
export const seededRandom = mulberry32;

/**
 * A random fault for the proxy's `garble` mode. Stalls last up to `maxStallMs` (the client's timeout
 * bounds them; 30 s by default).
 */
export function randomFault(random: () => number, options: { maxStallMs?: number } = {}): AnswerFault {
  const int = (n: number) => Math.floor(random() * n);
  const pickOf = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const at = int(1_000_000);
  const bodies: (() => BodyFault)[] = [
    () => ({ kind: 'cut', at }),
    () => ({ kind: 'junk', at, junk: pickOf(['}', '{', '"', ',', '\u0000', 'nul', ']]']) }),
    () => ({ kind: 'wrong-type', pick: int(1000), type: pickOf(JSON_TYPES), seed: int(1000) }),
    () => ({ kind: 'array-as-string', pick: int(1000) }),
    () => ({ kind: 'drop-field', pick: int(1000) }),
    () => ({
      kind: 'extra-fields',
      pick: int(1000),
      fields: { unexpected: int(2) ? 'x' : [1, { a: null }] },
    }),
    () => ({ kind: 'huge-string', pick: int(1000), length: 70_000 + int(1_000_000) }),
    () => ({ kind: 'deep-nesting', pick: int(1000), depth: 10 + int(100_000) }),
    () => ({
      kind: 'replace',
      with: pickOf(['empty', 'html', 'error-json', 'text'] as const),
      text: 'proxy',
    }),
  ];
  const sendings: (() => Sending)[] = [
    () => ({ kind: 'whole' }),
    () => ({ kind: 'close-mid-body', at }),
    () => ({ kind: 'stall', ms: int(options.maxStallMs ?? 45_000) }),
    () => ({ kind: 'drip', bytes: 1 + int(64), gapMs: int(200) }),
  ];
  const roll = random();
  return {
    ...(roll < 0.2 ? { status: pickOf([200, 201, 204, 301, 302, 400, 404, 409, 500, 502, 503]) } : {}),
    ...(roll > 0.9 ? { contentType: pickOf(['text/html', 'text/plain', 'application/octet-stream']) } : {}),
    body: random() < 0.8 ? [pickOf(bodies)()] : [],
    sending: random() < 0.7 ? { kind: 'whole' } : pickOf(sendings)(),
  };
}
