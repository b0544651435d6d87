/**
 * What a trainable's parameter schema (zod) says, read through its JSON Schema: per variant (one
 * object, or one per value of a discriminating field such as the image classifier's `model`) each
 * parameter's type, default, bounds, choices and description. For listings (`seedsweep models`),
 * CLI flags (`seedsweep train`) and did-you-mean hints; parts zod cannot express in JSON Schema
 * (transforms, refinements) are left out, so this describes a schema and never replaces parsing it.
 */
import { z, type ZodType } from 'zod';
import type { ParamValue } from '../core/domain/trial.js';

/** One parameter as the schema declares it. */
export interface ParamInfo {
  name: string;
  /** JSON Schema type: `integer`, `number`, `string`, `boolean`, … (absent when the schema does not say). */
  type?: string;
  default?: unknown;
  /** Inclusive bounds (and exclusive ones, as `> x` in {@link describeRange}). */
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  /** Allowed values of an enum (or the one value of a constant). */
  choices?: ParamValue[];
  description?: string;
  /** True when the trial must give it (no default). */
  required: boolean;
}

/** One shape the parameters take: all of them (one object), or those of one discriminator value. */
export interface ParamVariant {
  /** The discriminating values that select this variant, e.g. `{ model: 'cnn' }`; empty for one object. */
  when: Record<string, ParamValue>;
  description?: string;
  params: ParamInfo[];
  /** True when other names are refused (a strict object). */
  closed: boolean;
}

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  default?: unknown;
  const?: unknown;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  description?: string;
}

const isScalar = (v: unknown): v is ParamValue =>
  typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean';

/** The JSON Schema of a zod schema's input, or undefined when zod cannot make one. */
function jsonSchemaOf(schema: ZodType<unknown>): JsonSchema | undefined {
  try {
    return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  } catch {
    return undefined;
  }
}

/** Integers beyond JavaScript's safe range are how zod says "no bound". */
const bound = (x: number | undefined) =>
  x !== undefined && Math.abs(x) < Number.MAX_SAFE_INTEGER ? x : undefined;

function paramOf(name: string, s: JsonSchema, required: boolean): ParamInfo {
  const info: ParamInfo = { name, required };
  const type = Array.isArray(s.type) ? s.type.join('|') : s.type;
  if (type !== undefined) info.type = type;
  if (s.default !== undefined) info.default = s.default;
  for (const key of ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'] as const) {
    const value = bound(s[key]);
    if (value !== undefined) info[key] = value;
  }
  const choices = s.enum ?? (s.const !== undefined ? [s.const] : undefined);
  if (choices?.every(isScalar)) info.choices = choices;
  if (s.description !== undefined) info.description = s.description;
  return info;
}

function variantOf(s: JsonSchema, discriminators: readonly string[]): ParamVariant {
  const when: Record<string, ParamValue> = {};
  const params: ParamInfo[] = [];
  for (const [name, p] of Object.entries(s.properties ?? {})) {
    if (discriminators.includes(name) && isScalar(p.const)) when[name] = p.const;
    params.push(paramOf(name, p, (s.required ?? []).includes(name) && p.default === undefined));
  }
  return {
    when,
    ...(s.description !== undefined ? { description: s.description } : {}),
    params,
    closed: s.additionalProperties === false,
  };
}

/**
 * The variants of a parameter schema: one for a plain object; one per branch of a union of objects,
 * keyed by the fields every branch fixes to a constant (a discriminated union's tag). Undefined when
 * the schema has no object shape zod can describe (e.g. a plain function trainable's `record`).
 */
export function describeParams(schema: ZodType<unknown>): ParamVariant[] | undefined {
  const json = jsonSchemaOf(schema);
  if (!json) return undefined;
  const branches = json.oneOf ?? json.anyOf;
  if (branches && branches.every((b) => b.properties)) {
    const constants = (b: JsonSchema) =>
      Object.entries(b.properties ?? {})
        .filter(([, p]) => isScalar(p.const))
        .map(([name]) => name);
    const first = branches[0] ? constants(branches[0]) : [];
    const discriminators = first.filter((name) => branches.every((b) => constants(b).includes(name)));
    return branches.map((b) => variantOf(b, discriminators));
  }
  if (json.properties) return [variantOf(json, [])];
  return undefined;
}

/** Every parameter name a schema declares (in any variant), in order of first appearance. */
export function parameterNamesOf(schema: ZodType<unknown>): string[] {
  const names: string[] = [];
  for (const variant of describeParams(schema) ?? [])
    for (const p of variant.params) if (!names.includes(p.name)) names.push(p.name);
  return names;
}

/** `integer 1–11`, `number > 0, ≤ 1`, `valid | same`: a parameter's allowed values, for listings. */
export function describeRange(p: ParamInfo): string {
  if (p.choices) return p.choices.join(' | ');
  const type = p.type ?? 'any';
  if (p.minimum !== undefined && p.maximum !== undefined) return `${type} ${p.minimum}–${p.maximum}`;
  const low =
    p.minimum !== undefined
      ? `≥ ${p.minimum}`
      : p.exclusiveMinimum !== undefined
        ? `> ${p.exclusiveMinimum}`
        : '';
  const high =
    p.maximum !== undefined
      ? `≤ ${p.maximum}`
      : p.exclusiveMaximum !== undefined
        ? `< ${p.exclusiveMaximum}`
        : '';
  return [type, [low, high].filter(Boolean).join(', ')].filter(Boolean).join(' ');
}
