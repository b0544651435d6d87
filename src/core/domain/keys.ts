/**
 * Trial and group keys: SHA-256 of canonical JSON (sorted keys). Pure JS hashing (@noble/hashes) so
 * workflow code can compute keys too.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { keyFormOf } from './builtin-trainable.js';
import type { TrialConfig } from './trial.js';

/** Bump when the hashed content changes meaning: old keys then stop matching on purpose. */
const KEY_VERSION = 1;

/** JSON with object keys sorted at every level and `undefined` members dropped. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value))
      throw new Error(`canonicalJson: non-finite number ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * The config as hashed: in its key form (the built-in image classifier's configs hash as they did
 * before it was a trainable, see src/core/domain/builtin-trainable.ts), without locations (`dataset.path`,
 * `dataset.module`/`export`, the trainable's module), which say where code and bytes are, not what
 * they are. Configs of the built-in study have none of the newer fields, so their keys are unchanged
 * since KEY_VERSION 1.
 */
export function identityOf(config: TrialConfig): Omit<TrialConfig, 'trainable'> {
  const keyed = keyFormOf(config);
  const { path: _path, module: _module, export: _export, ...dataset } = keyed.dataset;
  const { trainable: _trainable, ...rest } = keyed;
  return { ...rest, dataset };
}

function sha256Hex(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text)));
}

/**
 * Key of one trial: SHA-256 hex of the canonical config (without `dataset.path`), the seed and the
 * dataset fingerprint. Equal keys ⇒ the same experiment; a finished key is never run again.
 */
export function trialKeyOf(options: {
  /** The trial's canonical config (model options complete). */
  config: TrialConfig;
  /** Non-negative integer seed. */
  seed: number;
  /** Content fingerprint of the dataset slice (`datasetFingerprint(spec.dataset)`). */
  datasetFingerprint: string;
}): string {
  return sha256Hex(
    canonicalJson({
      v: KEY_VERSION,
      kind: 'trial',
      config: identityOf(options.config),
      seed: options.seed,
      dataset: options.datasetFingerprint,
    }),
  );
}

/** Key of a group of repeats: like {@link trialKeyOf} without the seed. */
export function groupKeyOf(options: {
  /** The canonical config (model options complete). */
  config: TrialConfig;
  /** Content fingerprint of the dataset slice. */
  datasetFingerprint: string;
}): string {
  return sha256Hex(
    canonicalJson({
      v: KEY_VERSION,
      kind: 'group',
      config: identityOf(options.config),
      dataset: options.datasetFingerprint,
    }),
  );
}
