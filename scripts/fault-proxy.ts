/**
 * An HTTP proxy in front of MLflow that misbehaves on demand, for the chaos suite (bench/chaos.ts) on
 * the namespace cluster (scripts/cluster.sh up --fault-proxy; switch with scripts/cluster.sh faults).
 *
 *   node --import tsx scripts/fault-proxy.ts --listen 10.77.0.2:5001 --target http://10.77.0.2:5000 --mode-file F
 *
 * The mode is read from F at every request (one word):
 *   pass  forward everything;
 *   500   of every 4 requests: 2 answered 500 without reaching MLflow, 1 forwarded and its answer
 *         replaced by a 500 (MLflow did the work; the client cannot know), 1 forwarded as is;
 *   429   every other request answered 429 with `Retry-After: 1`, the rest forwarded;
 *   garble[:SEED]  every request forwarded; of its answers, one in two (seeded) garbled as
 *         scripts/answer-faults.ts does: cut short, malformed or mistyped JSON, an HTML page, another
 *         status, closed mid-body, stalled up to 45 s, dripped. The same seed gives the same faults.
 * Plain node:http: a proxy that breaks on purpose is a few lines, not a library's job.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { garble, randomFault, seededRandom, sendAnswer, type AnswerFault } from './answer-faults.js';

const { values } = parseArgs({
  options: {
    listen: { type: 'string' },
    target: { type: 'string' },
    'mode-file': { type: 'string' },
  },
});
if (!values.listen || !values.target || !values['mode-file']) {
  process.stderr.write('usage: fault-proxy.ts --listen HOST:PORT --target URL --mode-file FILE\n');
  process.exit(2);
}
const [listenHost, listenPort] = values.listen.split(':');
const target = new URL(values.target);
const modeFile = values['mode-file'];

type Mode = 'pass' | '500' | '429' | 'garble';

/** The mode, and the seed of `garble:SEED` (0 when none is given). */
function modeAndSeed(): { mode: Mode; seed: number } {
  try {
    const word = readFileSync(modeFile, 'utf8').trim();
    const garbleSeed = /^garble(?::(\d+))?$/.exec(word);
    if (garbleSeed) return { mode: 'garble', seed: Number(garbleSeed[1] ?? 0) };
    return { mode: word === '500' || word === '429' ? word : 'pass', seed: 0 };
  } catch {
    return { mode: 'pass', seed: 0 };
  }
}

function mode(): Mode {
  return modeAndSeed().mode;
}

/** The garble mode's generator, made again when the seed changes. */
let garbling: { seed: number; random: () => number } | undefined;

function nextFault(seed: number): AnswerFault | undefined {
  if (garbling?.seed !== seed) garbling = { seed, random: seededRandom(seed) };
  return garbling.random() < 0.5 ? randomFault(garbling.random) : undefined;
}

/** Requests seen and faults made, by mode and outcome; printed when they change. */
const counts = new Map<string, number>();
let counter = 0;
const count = (what: string) => counts.set(what, (counts.get(what) ?? 0) + 1);

function reply(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function forward(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  body: Buffer,
  { loseAnswer, fault }: { loseAnswer: boolean; fault?: AnswerFault },
): void {
  const upstream = http.request(
    {
      host: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: { ...req.headers, host: target.host },
      timeout: 60_000,
    },
    (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (c: Buffer) => chunks.push(c));
      answer.on('end', () => {
        if (loseAnswer) {
          reply(res, 500, {
            error_code: 'INTERNAL_ERROR',
            message: 'fault proxy: answer lost after MLflow handled the request',
          });
          return;
        }
        if (fault) {
          const real = {
            status: answer.statusCode ?? 502,
            headers: answer.headers,
            body: Buffer.concat(chunks),
          };
          // The proxy must outlive any fault it makes: a failure to garble just drops the connection.
          Promise.resolve()
            .then(() => sendAnswer(res, garble(real, fault), fault.sending))
            .catch(() => res.destroy());
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        res.end(Buffer.concat(chunks));
      });
    },
  );
  upstream.on('timeout', () => upstream.destroy(new Error('upstream timeout')));
  upstream.on('error', (error: Error) => {
    count('upstream error');
    if (!res.headersSent)
      reply(res, 502, { error_code: 'BAD_GATEWAY', message: `fault proxy: ${error.message}` });
  });
  upstream.end(body);
}

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const { mode: m, seed } = modeAndSeed();
    const i = counter++;
    if (m === '500' && i % 4 < 2) {
      count('500 before MLflow');
      reply(res, 500, { error_code: 'INTERNAL_ERROR', message: 'fault proxy: injected 500' });
    } else if (m === '500' && i % 4 === 2) {
      count('500 after MLflow');
      forward(req, res, body, { loseAnswer: true });
    } else if (m === '429' && i % 2 === 0) {
      count('429');
      reply(
        res,
        429,
        { error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'fault proxy: injected 429' },
        { 'retry-after': '1' },
      );
    } else if (m === 'garble') {
      const fault = nextFault(seed);
      count(fault ? 'garbled' : 'forwarded');
      forward(req, res, body, { loseAnswer: false, ...(fault ? { fault } : {}) });
    } else {
      count('forwarded');
      forward(req, res, body, { loseAnswer: false });
    }
  });
});

let last = '';
setInterval(() => {
  const line = [...counts].map(([k, v]) => `${k} ${v}`).join(', ');
  if (line !== last) process.stdout.write(`${new Date().toISOString()} fault-proxy (${mode()}): ${line}\n`);
  last = line;
}, 5000).unref();

server.listen(Number(listenPort), listenHost, () => {
  process.stdout.write(`fault-proxy: listening on ${values.listen}, forwarding to ${target.origin}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.on(signal, () => server.close(() => process.exit(0)));
