/**
 * Seeds every weight initialiser from the trial seed. TF.js draws an unseeded initialiser from
 * `Math.random`, so two trials of the same seed would start from different weights: each weight
 * whose initialiser config has a `seed` field left empty is re-initialised with the same initialiser
 * class and config, seeded `deriveSeed(seed, 'init', layerIndex, weightName)`. Weights whose
 * initialiser was seeded explicitly keep their values, and so do those of initialisers that draw no
 * random numbers (zeros, ones, constant, identity).
 */
import * as tf from '../backends/tfjs.js';
import { deriveSeed } from '../runner/seeding.js';
import { allLayers } from './randomness.js';

/** What an initialiser does (TF.js does not export its `Initializer` class's type). */
interface Initializer {
  apply(shape: number[], dtype?: tf.DataType): tf.Tensor;
}

interface InitializerConfig {
  className: string;
  config: Record<string, unknown>;
}

/** `kernel` of `dense_Dense3/kernel`. */
export function weightShortName(weight: tf.LayerVariable): string {
  return weight.originalName.split('/').at(-1) ?? weight.originalName;
}

/** camelCase of a snake_case weight name: `moving_mean` → `movingMean`. */
function camel(name: string): string {
  return name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * The config key of a weight's initialiser: `kernel` → `kernelInitializer`, `moving_mean` →
 * `movingMeanInitializer`; `recurrent_kernel`, `depthwise_kernel`, `pointwise_kernel` →
 * `recurrentInitializer`… (Keras drops `_kernel` there).
 */
function initializerOf(config: Record<string, unknown>, weightName: string): InitializerConfig | undefined {
  const keys = [`${camel(weightName)}Initializer`, `${camel(weightName.replace(/_kernel$/, ''))}Initializer`];
  for (const key of keys) {
    const value = config[key] as Partial<InitializerConfig> | undefined;
    if (value && typeof value.className === 'string' && typeof value.config === 'object' && value.config)
      return value as InitializerConfig;
  }
  return undefined;
}

/** A new initialiser of `className` from `config`, through TF.js' serialisation registry. */
function makeInitializer(className: string, config: Record<string, unknown>): Initializer {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[className];
  if (!entry) throw new Error(`TF.js has no registered initializer class ${className}`);
  const [cls, fromConfig] = entry;
  return fromConfig(cls, config as tf.serialization.ConfigDict) as unknown as Initializer;
}

/** What {@link reseedInitializers} did, for tests and diagnostics. */
export interface ReseedReport {
  /** `layerIndex/weightName` of every re-initialised weight. */
  reseeded: string[];
  /** Weights kept because their initialiser was seeded explicitly. */
  seeded: string[];
}

/**
 * Re-initialises, in place, every weight of `model` whose initialiser has an empty `seed`, from
 * `deriveSeed(seed, 'init', layerIndex, weightName)` (layer indices as in `model.layers`; `2/1` for
 * layer 1 of a model nested at 2). Weights whose initialiser cannot be found in the layer's config
 * (custom layers, wrappers) keep the values `build` gave them (drawn from the seeded `Math.random`
 * the loop builds under).
 */
export function reseedInitializers(model: tf.LayersModel, seed: number): ReseedReport {
  const report: ReseedReport = { reseeded: [], seeded: [] };
  for (const { layer, index } of allLayers(model)) {
    if (layer.weights.length === 0) continue;
    const config = layer.getConfig() as Record<string, unknown>;
    for (const weight of layer.weights) {
      const name = weightShortName(weight);
      const initializer = initializerOf(config, name);
      if (!initializer || !('seed' in initializer.config)) continue;
      if (initializer.config['seed'] !== null && initializer.config['seed'] !== undefined) {
        report.seeded.push(`${index}/${name}`);
        continue;
      }
      const fresh = makeInitializer(initializer.className, {
        ...initializer.config,
        seed: deriveSeed(seed, 'init', index, name),
      });
      const value = fresh.apply(weight.read().shape, weight.dtype);
      weight.write(value);
      value.dispose();
      report.reseeded.push(`${index}/${name}`);
    }
  }
  return report;
}
