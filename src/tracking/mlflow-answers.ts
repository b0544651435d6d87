/**
 * The shapes of the MLflow REST answers seedsweep reads, checked in one place (zod) before anything
 * uses them: a body that is not JSON, cut short, of the wrong types or without the fields MLflow always
 * sends is an answer MLflow did not give (a proxy, a captive portal, another service on the port), and
 * is reported as such rather than read as "no runs" or crashing later.
 *
 * Fields seedsweep does not read are left alone (newer servers add some). Strings are bounded well
 * above MLflow's own limits (keys 250, tag values 8,000, ids are 32 hex characters), so a huge string
 * is not taken for an id or a tag. What cannot be told from the wire is not checked: a well-formed
 * answer that omits something (MLflow sends `{}` for a search without results).
 */
import { z } from 'zod';

/** Longest id seedsweep takes from MLflow (run and experiment ids are far shorter). */
const MAX_ID = 256;
/** Longest key (MLflow: 250). */
const MAX_KEY = 1000;
/** Longest tag or param value, name or URI (MLflow: 8,000 for tags, 6,000 for params). */
const MAX_VALUE = 65_536;

/** Ids are printable tokens: a run's 32 hex digits, an experiment's number (as text). */
const id = z
  .string()
  .regex(/^[\w.:-]+$/, 'an id of letters, digits, _ . : -')
  .max(MAX_ID);
const text = z.string().max(MAX_VALUE);
/** int64 fields: JSON numbers, or decimal strings as protobuf's JSON mapping allows. */
const int64 = z.union([z.number().int(), z.string().regex(/^-?\d{1,19}$/)]);
/** Metric values: numbers, or the strings protobuf's JSON mapping uses for NaN and ±Infinity. */
const metricValue = z.union([
  z.number(),
  z.enum(['NaN', 'Infinity', '-Infinity']),
  z.string().regex(/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/),
]);
const keyValue = z.object({ key: z.string().max(MAX_KEY), value: text });
const runStatus = z.enum(['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED']);
const pageToken = z.string().max(MAX_VALUE).optional();

/** MLflow's `RunInfo`: `run_id` (or the older `run_uuid`) is the run's id. */
const runInfo = z
  .object({
    run_id: id.optional(),
    run_uuid: id.optional(),
    experiment_id: id,
    run_name: text.optional(),
    status: runStatus,
    start_time: int64.optional(),
    end_time: int64.optional(),
    artifact_uri: text,
    lifecycle_stage: z.string().max(MAX_KEY),
  })
  .refine((info) => info.run_id !== undefined || info.run_uuid !== undefined, 'a run without run_id');

const run = z.object({
  info: runInfo,
  data: z
    .object({
      tags: z.array(keyValue).optional(),
      params: z.array(keyValue).optional(),
      metrics: z.array(z.object({ key: z.string().max(MAX_KEY), value: metricValue })).optional(),
    })
    .optional(),
});
export type RawRun = z.infer<typeof run>;

const experiment = z.object({ experiment_id: id, lifecycle_stage: z.string().max(MAX_KEY).optional() });

/**
 * A page of results, whose fields are all optional (MLflow sends `{}` for no results): it is `{}` or
 * holds at least one of its fields. An object of other fields only (an error body with a success
 * status, garbled keys) would otherwise read as "no results" and, say, make finished trials run again.
 */
function page<Shape extends z.ZodRawShape>(shape: Shape) {
  return z
    .object(shape)
    .loose()
    .refine(
      (body) => Object.keys(body).length === 0 || Object.keys(shape).some((key) => key in body),
      'none of the fields of a page of results',
    );
}

/** An answer without content (log-batch, update, delete …): MLflow sends `{}`. */
const empty = z.object({}).loose();

/** Every answer seedsweep reads, by what it is read for. */
export const ANSWER = {
  empty,
  experiment: z.object({ experiment }),
  experimentCreated: z.object({ experiment_id: id }),
  experimentPage: page({
    experiments: z.array(z.object({ experiment_id: id })).optional(),
    next_page_token: pageToken,
  }),
  run: z.object({ run }),
  runPage: page({ runs: z.array(run).optional(), next_page_token: pageToken }),
  metricPage: page({
    metrics: z
      .array(
        z.object({
          key: z.string().max(MAX_KEY),
          value: metricValue,
          timestamp: int64,
          step: int64.optional(),
        }),
      )
      .optional(),
    next_page_token: pageToken,
  }),
  artifactList: page({
    files: z
      .array(z.object({ path: text, is_dir: z.boolean().optional(), file_size: int64.optional() }))
      .optional(),
  }),
} as const;

/**
 * What is wrong with an answer, in a few words for an error message; undefined when it fits `schema`.
 * `body` is what axios made of it: parsed JSON, or the text when it was not JSON.
 */
export function answerProblem(schema: z.ZodType, body: unknown): string | undefined {
  if (body === null) return 'JSON null';
  if (typeof body === 'string' || body === undefined) return describeText(body ?? '');
  if (typeof body !== 'object' || Array.isArray(body))
    return `a JSON ${Array.isArray(body) ? 'array' : typeof body}`;
  const errorCode = (body as { error_code?: unknown }).error_code;
  if (typeof errorCode === 'string')
    return `an MLflow error (${errorCode.slice(0, 60)}) with a success status`;
  const parsed = schema.safeParse(body);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0]!;
  const where = issue.path.slice(0, 6).map(String).join('.') || 'the body';
  return `${where}: ${issue.message.replace(/\s+/g, ' ').slice(0, 120)}`;
}

function describeText(body: string): string {
  if (body.trim() === '') return 'an empty body';
  if (/^\s*</.test(body)) return 'an HTML or XML page';
  if (/^\s*[{[]/.test(body)) return `JSON cut short or malformed (${body.length} characters)`;
  return `text that is not JSON (${body.length} characters)`;
}
