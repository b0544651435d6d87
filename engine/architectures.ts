/**
 * The architectures seedsweep can build, as pure data: names, options with their defaults and
 * checks. No TensorFlow here, so spec validation and workflow code can canonicalise configs.
 * `engine/models.ts` builds the layers from these definitions.
 */
import { UserError } from '../common/errors.js';

/** One option of an architecture. */
export interface ArchitectureOption {
  /** Name in spec files and CLI flags (snake_case), e.g. `kernel_size`. */
  specName: string;
  kind: 'integer' | 'choice';
  default: number | string;
  /** Inclusive bounds for integers. */
  min?: number;
  max?: number;
  /** Allowed values for choices. */
  choices?: readonly string[];
  description: string;
}

export interface Architecture {
  name: string;
  description: string;
  /** Option name (camelCase, as in `TrialConfig.modelOptions`) → definition. */
  options: Record<string, ArchitectureOption>;
}

const ARCHITECTURES: readonly Architecture[] = [
  {
    name: 'fc',
    description:
      'Fully connected baseline: Flatten → Dense units1 ReLU → Dense units2 ReLU → Dense 10 softmax',
    options: {
      units1: {
        specName: 'units1',
        kind: 'integer',
        default: 512,
        min: 1,
        max: 65536,
        description: 'units of the first hidden layer',
      },
      units2: {
        specName: 'units2',
        kind: 'integer',
        default: 256,
        min: 1,
        max: 65536,
        description: 'units of the second hidden layer',
      },
    },
  },
  {
    name: 'cnn',
    description:
      'Small CNN: Conv2D filters1 k×k ReLU → MaxPool 2 → Conv2D filters2 k×k ReLU → MaxPool 2 → Flatten → Dense dense_units ReLU → Dense 10 softmax',
    options: {
      kernelSize: {
        specName: 'kernel_size',
        kind: 'integer',
        default: 3,
        min: 1,
        max: 11,
        description: 'side of the square convolution kernels',
      },
      filters1: {
        specName: 'filters1',
        kind: 'integer',
        default: 32,
        min: 1,
        max: 4096,
        description: 'filters of the first conv layer',
      },
      filters2: {
        specName: 'filters2',
        kind: 'integer',
        default: 64,
        min: 1,
        max: 4096,
        description: 'filters of the second conv layer',
      },
      padding: {
        specName: 'padding',
        kind: 'choice',
        default: 'valid',
        choices: ['valid', 'same'],
        description: "convolution padding (Keras 'valid' or 'same')",
      },
      denseUnits: {
        specName: 'dense_units',
        kind: 'integer',
        default: 128,
        min: 1,
        max: 65536,
        description: 'units of the hidden dense layer',
      },
    },
  },
];

/** Names of all architectures, in registry order. */
export function architectureNames(): string[] {
  return ARCHITECTURES.map((a) => a.name);
}

/** The architecture called `name`; an unknown name is a {@link UserError} listing the known ones. */
export function getArchitecture(name: string): Architecture {
  const found = ARCHITECTURES.find((a) => a.name === name);
  if (!found) {
    throw new UserError(
      'E_UNKNOWN_MODEL',
      `unknown model '${name}'; known models: ${architectureNames().join(', ')}.`,
    );
  }
  return found;
}

/** Maps a spec/CLI option name (`kernel_size`) to the option name of `model` (`kernelSize`), if it has one. */
export function optionNameForSpecName(model: string, specName: string): string | undefined {
  const arch = getArchitecture(model);
  return Object.entries(arch.options).find(([, o]) => o.specName === specName)?.[0];
}

/**
 * Complete, checked model options: defaults filled in, values checked against each option's bounds.
 * Throws a {@link UserError} naming the option, the value found and what is allowed.
 */
export function canonicalModelOptions(
  model: string,
  options: Record<string, number | string> = {},
): Record<string, number | string> {
  const arch = getArchitecture(model);
  for (const key of Object.keys(options)) {
    if (!(key in arch.options)) {
      const known = Object.values(arch.options).map((o) => o.specName);
      throw new UserError(
        'E_BAD_MODEL_OPTION',
        `model '${model}' has no option '${key}'; its options are: ${known.join(', ') || '(none)'}.`,
      );
    }
  }
  const result: Record<string, number | string> = {};
  for (const [key, option] of Object.entries(arch.options)) {
    const value = options[key] ?? option.default;
    if (option.kind === 'integer') {
      if (
        typeof value !== 'number' ||
        !Number.isInteger(value) ||
        value < (option.min ?? -Infinity) ||
        value > (option.max ?? Infinity)
      ) {
        throw new UserError(
          'E_BAD_MODEL_OPTION',
          `model '${model}' option '${option.specName}' must be an integer from ${option.min} to ${option.max}; got ${JSON.stringify(value)}.`,
        );
      }
    } else if (typeof value !== 'string' || !option.choices?.includes(value)) {
      throw new UserError(
        'E_BAD_MODEL_OPTION',
        `model '${model}' option '${option.specName}' must be one of ${option.choices?.join(', ')}; got ${JSON.stringify(value)}.`,
      );
    }
    result[key] = value;
  }
  return result;
}
