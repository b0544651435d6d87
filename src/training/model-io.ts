/**
 * Trained models on the local filesystem in the TF.js layers format (`model.json` + `weights.bin`),
 * plus seedsweep's `manifest.json` (class names, input shape, preprocessing, provenance). Two
 * manifest formats: `seedsweep-model/1` describes an image classifier (32×32×3 input, class names,
 * pixel scaling), optionally with the general `signature`; `seedsweep-model/2` describes any model by
 * its `signature` (inputs and outputs), the image fields optional. `defineModelTrainable` writes /1
 * when the model fits it, /2 otherwise; `seedsweep serve` serves both (src/serving/served-model.ts).
 * Written with pure `@tensorflow/tfjs` through a small in-memory IOHandler, so it works on the wasm
 * and cpu backends where `file://` handlers (tfjs-node) are not available.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from './backends/tfjs.js';
import { UserError } from '../core/common/errors.js';
import { isInside } from '../core/common/safe-names.js';

/** Format tag of `manifest.json`; bumped when its meaning changes. */
export const MODEL_MANIFEST_FORMAT = 'seedsweep-model/1';

/** File names inside a model folder. */
export const MODEL_FILES = {
  modelJson: 'model.json',
  weights: 'weights.bin',
  manifest: 'manifest.json',
} as const;

/** Format tag of the general manifest ({@link SignatureManifest}). */
export const SIGNATURE_MANIFEST_FORMAT = 'seedsweep-model/2';

/** One model input or output: its name in the model, per-example shape (no batch dimension), dtype. */
export interface TensorSignature {
  name: string;
  /** E.g. `[28, 28, 1]` for a batch of `[n, 28, 28, 1]`; `null` for a dimension the model leaves open. */
  shape: (number | null)[];
  dtype: 'float32' | 'int32';
}

/** What a caller feeds a model and gets back, in `model.inputs` / `model.outputs` order. */
export interface ModelSignature {
  inputs: TensorSignature[];
  outputs: TensorSignature[];
}

/**
 * Preprocessing applied to raw inputs before the model (what a server must repeat), e.g.
 * `{ kind: 'scale', scale: 1 / 255 }` (input = raw × scale + offset); other kinds are descriptive.
 */
export interface PreprocessingDescription {
  kind: string;
  [field: string]: unknown;
}

/** What a served model needs besides its weights: how to turn pixels into inputs and outputs into labels. */
export interface ModelManifest {
  format: typeof MODEL_MANIFEST_FORMAT;
  /** Class names by output index (CIFAR-10: airplane … truck). */
  classNames: string[];
  /** Input image shape, NHWC without the batch dimension. */
  inputShape: [32, 32, 3];
  /**
   * The preprocessing used in training: input = byte × scale + offset (`PREPROCESSING` of
   * `src/datasets/preprocess.ts`, whose extra descriptive fields are kept as written).
   */
  preprocessing: { kind: 'scale'; scale: number; offset?: number };
  /** True when the model was trained on generated data: say so wherever it is served. */
  synthetic: boolean;
  trialKey?: string;
  /** Architecture name in the model registry, e.g. `cnn`. */
  model?: string;
  modelOptions?: Record<string, number | string>;
  seed?: number;
  /** Final metrics, e.g. `{ testAccuracy: 0.61 }`. */
  metrics?: Record<string, number>;
  /** Integrity of `weights.bin`, filled in by `saveModelToDir` (callers need not set it). */
  weights?: { bytes: number; sha256: string };
  /** Inputs and outputs (written by `defineModelTrainable`; older manifests lack it). */
  signature?: ModelSignature;
  /** The trainable that trained it, `name@version`. */
  trainable?: string;
}

/**
 * The general manifest (`seedsweep-model/2`) of a model that is not a 32×32×3 image classifier:
 * - `signature`: per input its name, per-example shape and dtype; per output the same;
 * - `classNames`: labels by index of the (last) output's last dimension, when the data named them;
 * - `preprocessing`: what to apply to raw inputs first, when the data said (absent: feed as trained);
 * - `synthetic`: true when trained on generated data;
 * - provenance: `trainable` (`name@version`), `model` and `modelOptions` (the trainable's name and
 *   its parameters), `trialKey`, `seed`, final `metrics`; `weights`: integrity of `weights.bin`.
 */
export interface SignatureManifest {
  format: typeof SIGNATURE_MANIFEST_FORMAT;
  signature: ModelSignature;
  classNames?: string[];
  preprocessing?: PreprocessingDescription;
  synthetic?: boolean;
  trainable?: string;
  trialKey?: string;
  model?: string;
  modelOptions?: Record<string, number | string>;
  seed?: number;
  metrics?: Record<string, number>;
  weights?: { bytes: number; sha256: string };
}

/** A manifest of either format. */
export type AnyModelManifest = ModelManifest | SignatureManifest;

/** The TF.js layers `model.json` as written by `saveModelToDir` (the format `tf.loadLayersModel` reads over HTTP too). */
interface ModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  modelTopology: object;
  trainingConfig?: tf.io.TrainingConfig;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/** Options of {@link saveModelToDir}. */
export interface SaveModelOptions {
  /** The model to save (topology and weights; the optimizer state is not saved). */
  model: tf.LayersModel;
  /** Target folder; replaced as a whole if it exists. Parent folders are created. */
  dir: string;
  manifest: AnyModelManifest;
}

/**
 * Writes `model.json`, `weights.bin` and `manifest.json` into `dir` atomically: everything goes to a
 * sibling temporary folder first, which is then renamed into place, so readers never see half a model.
 */
export async function saveModelToDir(options: SaveModelOptions): Promise<void> {
  const dir = path.resolve(options.dir);
  checkManifest(options.manifest, `manifest for ${dir}`);
  let artifacts: tf.io.ModelArtifacts | undefined;
  await options.model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
    }),
  );
  if (!artifacts?.modelTopology || !artifacts.weightSpecs) {
    throw new Error('TF.js returned no model topology or weight specs while saving');
  }
  const weights = new Uint8Array(tf.io.concatenateArrayBuffers(artifacts.weightData ?? new ArrayBuffer(0)));
  const modelJson: ModelJson = {
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: artifacts.convertedBy ?? null,
    modelTopology: artifacts.modelTopology as object,
    ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
    weightsManifest: [{ paths: [`./${MODEL_FILES.weights}`], weights: artifacts.weightSpecs }],
  };
  const manifest: AnyModelManifest = {
    ...options.manifest,
    weights: { bytes: weights.byteLength, sha256: sha256Hex(weights) },
  };

  const parent = path.dirname(dir);
  await mkdir(parent, { recursive: true });
  const suffix = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const tmp = path.join(parent, `.${path.basename(dir)}.tmp-${suffix}`);
  const old = path.join(parent, `.${path.basename(dir)}.old-${suffix}`);
  try {
    await mkdir(tmp);
    await writeFile(path.join(tmp, MODEL_FILES.weights), weights);
    await writeFile(path.join(tmp, MODEL_FILES.modelJson), JSON.stringify(modelJson));
    await writeFile(path.join(tmp, MODEL_FILES.manifest), `${JSON.stringify(manifest, null, 2)}\n`);
    // rename() cannot replace a non-empty folder: move the old one aside first.
    const hadOld = await rename(dir, old).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return false;
        throw error;
      },
    );
    await rename(tmp, dir);
    if (hadOld) await rm(old, { recursive: true, force: true });
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Loads an image-classifier model folder written by {@link saveModelToDir} (or any TF.js layers
 * `model.json` with its weight files plus a seedsweep `manifest.json` of format /1).
 * @throws UserError `E_MODEL_MISSING` when a file is missing, `E_MODEL_CORRUPT` when one cannot be read
 * as expected, `E_MODEL_NOT_SERVABLE` for a general model (manifest /2).
 */
export async function loadModelFromDir(
  dir: string,
): Promise<{ model: tf.LayersModel; manifest: ModelManifest }> {
  const { model, manifest } = await loadSavedModel(dir);
  if (manifest.format === SIGNATURE_MANIFEST_FORMAT) {
    model.dispose();
    throw new UserError(
      'E_MODEL_NOT_SERVABLE',
      `${path.resolve(dir)} holds a general TF.js model (manifest ${SIGNATURE_MANIFEST_FORMAT}, inputs ${describeSignature(manifest.signature.inputs)}), not a 32×32×3 image classifier: load it with loadSavedModel (seedsweep serve and package take either).`,
    );
  }
  return { model, manifest };
}

function describeSignature(tensors: readonly TensorSignature[]): string {
  return tensors.map((t) => `${t.name} [${t.shape.map((d) => d ?? '?').join('×')}] ${t.dtype}`).join(', ');
}

/**
 * Loads a model folder written by {@link saveModelToDir} with a manifest of either format: checks the
 * files' integrity and that the model's inputs match the manifest.
 * @throws UserError `E_MODEL_MISSING` when a file is missing, `E_MODEL_CORRUPT` when one cannot be read as expected.
 */
export async function loadSavedModel(
  dir: string,
): Promise<{ model: tf.LayersModel; manifest: AnyModelManifest }> {
  const root = path.resolve(dir);
  const manifestPath = path.join(root, MODEL_FILES.manifest);
  const modelJsonPath = path.join(root, MODEL_FILES.modelJson);
  const manifest = parseJsonFile(manifestPath, await readRequired(manifestPath, root));
  checkManifest(manifest, manifestPath);
  const modelJson = parseJsonFile(
    modelJsonPath,
    await readRequired(modelJsonPath, root),
  ) as Partial<ModelJson>;
  if (
    typeof modelJson.modelTopology !== 'object' ||
    modelJson.modelTopology === null ||
    !Array.isArray(modelJson.weightsManifest)
  ) {
    throw corrupt(
      modelJsonPath,
      'it has no "modelTopology" object or no "weightsManifest" array (not a TF.js layers model)',
    );
  }

  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  for (const group of modelJson.weightsManifest) {
    if (!Array.isArray(group?.paths) || !Array.isArray(group.weights)) {
      throw corrupt(modelJsonPath, 'a "weightsManifest" entry lacks "paths" or "weights"');
    }
    weightSpecs.push(...group.weights);
    for (const relative of group.paths) {
      const file = path.resolve(root, String(relative));
      if (String(relative).includes('\u0000') || !isInside(root, file) || file === root)
        throw corrupt(modelJsonPath, `weight path "${relative}" points outside the model folder`);
      buffers.push(await readRequired(file, root));
    }
  }
  const weights = concatBytes(buffers);
  const expectedBytes = weightSpecs.reduce((sum, spec) => sum + weightSpecBytes(spec, modelJsonPath), 0);
  if (weights.byteLength !== expectedBytes) {
    throw corrupt(
      path.join(root, MODEL_FILES.weights),
      `it holds ${weights.byteLength} bytes but model.json describes ${expectedBytes}; the file is truncated or from another model`,
    );
  }
  if (manifest.weights) {
    const digest = sha256Hex(weights);
    if (digest !== manifest.weights.sha256) {
      throw corrupt(
        path.join(root, MODEL_FILES.weights),
        `its SHA-256 ${digest} differs from ${manifest.weights.sha256} recorded in manifest.json; the file was altered or damaged`,
      );
    }
  }

  let model: tf.LayersModel;
  try {
    const artifacts = tf.io.getModelArtifactsForJSONSync(
      modelJson as tf.io.ModelJSON,
      weightSpecs,
      weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer,
    );
    // The optimizer/loss config is not needed to predict, and dropping it avoids compiling on load.
    delete artifacts.trainingConfig;
    model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (error) {
    throw corrupt(
      modelJsonPath,
      `TF.js could not build the model from it (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  if (manifest.format === SIGNATURE_MANIFEST_FORMAT) {
    const actual = model.inputs.map((input) => JSON.stringify(input.shape.slice(1)));
    const expected = manifest.signature.inputs.map((input) => JSON.stringify(input.shape));
    if (actual.join() !== expected.join()) {
      model.dispose();
      throw corrupt(
        modelJsonPath,
        `the model's input shapes ${actual.join(', ')} do not match the manifest's signature ${expected.join(', ')}`,
      );
    }
    return { model, manifest };
  }
  const shape = model.inputs[0]?.shape;
  if (
    !shape ||
    shape.length !== 4 ||
    shape[1] !== manifest.inputShape[0] ||
    shape[2] !== manifest.inputShape[1] ||
    shape[3] !== manifest.inputShape[2]
  ) {
    model.dispose();
    throw corrupt(
      modelJsonPath,
      `the model's input shape ${JSON.stringify(shape)} does not match manifest inputShape ${JSON.stringify(manifest.inputShape)}`,
    );
  }
  return { model, manifest };
}

function checkSignature(value: unknown, fail: (what: string) => UserError): void {
  const s = value as Partial<ModelSignature> | undefined;
  const valid = (list: unknown) =>
    Array.isArray(list) &&
    list.length > 0 &&
    list.every(
      (t: Partial<TensorSignature>) =>
        typeof t?.name === 'string' &&
        Array.isArray(t.shape) &&
        t.shape.every((d) => d === null || (Number.isInteger(d) && d >= 0)) &&
        (t.dtype === 'float32' || t.dtype === 'int32'),
    );
  if (typeof s !== 'object' || s === null || !valid(s.inputs) || !valid(s.outputs))
    throw fail(
      '"signature" must hold non-empty "inputs" and "outputs" arrays of { name, shape, dtype: float32|int32 }',
    );
}

/** Throws `E_MODEL_CORRUPT` unless `value` is a valid manifest of either format. */
function checkManifest(value: unknown, where: string): asserts value is AnyModelManifest {
  const fail = (what: string) =>
    new UserError('E_MODEL_CORRUPT', `${where}: ${what}. Re-save the model with seedsweep.`);
  if (typeof value !== 'object' || value === null) throw fail('not a JSON object');
  const m = value as Partial<ModelManifest>;
  if (m.signature !== undefined || (value as { format?: unknown }).format === SIGNATURE_MANIFEST_FORMAT)
    checkSignature(m.signature, fail);
  if ((value as { format?: unknown }).format === SIGNATURE_MANIFEST_FORMAT) return;
  if (m.format !== MODEL_MANIFEST_FORMAT)
    throw fail(
      `"format" is ${JSON.stringify(m.format)}, expected "${MODEL_MANIFEST_FORMAT}" or "${SIGNATURE_MANIFEST_FORMAT}"`,
    );
  if (
    !Array.isArray(m.classNames) ||
    m.classNames.length === 0 ||
    !m.classNames.every((c) => typeof c === 'string')
  ) {
    throw fail('"classNames" must be a non-empty array of strings');
  }
  if (
    !Array.isArray(m.inputShape) ||
    m.inputShape.length !== 3 ||
    m.inputShape[0] !== 32 ||
    m.inputShape[1] !== 32 ||
    m.inputShape[2] !== 3
  ) {
    throw fail(`"inputShape" is ${JSON.stringify(m.inputShape)}, expected [32, 32, 3]`);
  }
  const p = m.preprocessing;
  if (!p || p.kind !== 'scale' || typeof p.scale !== 'number' || !Number.isFinite(p.scale) || p.scale <= 0) {
    throw fail(
      `"preprocessing" is ${JSON.stringify(p)}, expected { "kind": "scale", "scale": <positive number> }`,
    );
  }
  if (typeof m.synthetic !== 'boolean') throw fail('"synthetic" must be true or false');
}

async function readRequired(file: string, dir: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new UserError(
        'E_MODEL_MISSING',
        `${file} does not exist: ${dir} is not a complete seedsweep model folder (expected ${Object.values(MODEL_FILES).join(', ')}). Check the path, or re-save/re-download the model.`,
      );
    }
    throw error;
  }
}

function parseJsonFile(file: string, bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw corrupt(file, `it is not valid JSON (${(error as Error).message})`);
  }
}

function corrupt(file: string, what: string): UserError {
  return new UserError('E_MODEL_CORRUPT', `${file}: ${what}. Re-save or re-download the model.`);
}

const DTYPE_BYTES: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  uint8: 1,
  uint16: 2,
  float16: 2,
};

function weightSpecBytes(spec: tf.io.WeightsManifestEntry, file: string): number {
  const elements = (spec.shape ?? []).reduce((a, b) => a * b, 1);
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const bytes = DTYPE_BYTES[dtype];
  if (bytes === undefined) throw corrupt(file, `weight "${spec.name}" has unsupported dtype "${dtype}"`);
  return elements * bytes;
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1 && parts[0]) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
