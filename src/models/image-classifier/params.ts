/**
 * The built-in image classifier's parameters: a zod schema, one object per architecture, `model`
 * choosing which. Each field has its spec name (`kernel_size`), default, bounds and description;
 * a field of another architecture is refused, naming where it belongs. What specs, `seedsweep train`
 * and `seedsweep models` check and list. No TensorFlow here: spec loading imports it.
 */
import { z } from 'zod';
import { IMAGE_HEIGHT } from '../../datasets/types.js';

/** Output classes of the classifier (CIFAR-10's and the synthetic images'). */
export const NUM_CLASSES = 10;

/** The architecture of a parameter set that names none (the study's CNN). */
export const DEFAULT_ARCHITECTURE = 'cnn';

const shown = (value: unknown): string =>
  typeof value === 'string' ? JSON.stringify(value) : value === undefined ? 'nothing' : String(value);

/** An integer field: `expected an integer from 1 to 11; got 13` for anything else. */
function integer(min: number, max: number, defaultValue: number, description: string) {
  const error = (issue: { input?: unknown }) =>
    `expected an integer from ${min} to ${max}; got ${shown(issue.input)}`;
  // `abort`: a bad value ends the parse of its object, so no refinement of the object sees it.
  return z
    .int({ error })
    .min(min, { error, abort: true })
    .max(max, { error, abort: true })
    .default(defaultValue)
    .describe(description);
}

/** A field of named values: `expected one of valid, same; got "vaild"`. */
function choice<const T extends readonly [string, ...string[]]>(
  values: T,
  defaultValue: T[number],
  description: string,
) {
  return z
    .enum(values, { error: (issue) => `expected one of ${values.join(', ')}; got ${shown(issue.input)}` })
    .default(defaultValue)
    .describe(description);
}

/** Refuses a field the chosen architecture does not take, naming the one that does. */
function architecture<const Name extends string, Shape extends z.ZodRawShape>(
  name: Name,
  description: string,
  shape: Shape,
) {
  return z
    .strictObject(
      { model: z.literal(name), ...shape },
      {
        error: (issue) => {
          if (issue.code !== 'unrecognized_keys') return undefined;
          const own = Object.keys(shape).join(', ');
          return issue.keys
            .map((key) => {
              const owners = Object.entries(architectureShapes())
                .filter(([, shape]) => key !== 'model' && Object.hasOwn(shape, key))
                .map(([model]) => model);
              const where =
                owners.length > 0
                  ? `a parameter of model ${owners.join(', ')}, not of ${name}`
                  : 'not a parameter of the image classifier';
              return `'${key}' is ${where} (${name} takes ${own})`;
            })
            .join('; ');
        },
      },
    )
    .describe(description);
}

const fc = architecture(
  'fc',
  'Fully connected baseline: Flatten → Dense units1 ReLU → Dense units2 ReLU → Dense 10 softmax',
  {
    units1: integer(1, 65_536, 512, 'units of the first hidden layer'),
    units2: integer(1, 65_536, 256, 'units of the second hidden layer'),
  },
);

/** Side of a feature map after a stride-1 square convolution (Keras semantics) and 2×2 pooling. */
function pooledSide(side: number, kernel: number, padding: string): { conv: number; pooled: number } {
  const conv = padding === 'same' ? side : side - kernel + 1;
  return { conv, pooled: Math.floor(conv / 2) };
}

const cnn = architecture(
  'cnn',
  'Small CNN: Conv2D filters1 k×k ReLU → MaxPool 2 → Conv2D filters2 k×k ReLU → MaxPool 2 → Flatten → Dense dense_units ReLU → Dense 10 softmax',
  {
    kernel_size: integer(1, 11, 3, 'side of the square convolution kernels'),
    filters1: integer(1, 4096, 32, 'filters of the first conv layer'),
    filters2: integer(1, 4096, 64, 'filters of the second conv layer'),
    padding: choice(['valid', 'same'], 'valid', "convolution padding (Keras 'valid' or 'same')"),
    dense_units: integer(1, 65_536, 128, 'units of the hidden dense layer'),
  },
).superRefine((params, ctx) => {
  // Two conv + pool stages must leave a feature map (an 11×11 'valid' kernel does not).
  let side = IMAGE_HEIGHT;
  for (let stage = 0; stage < 2; stage++) {
    const { conv, pooled } = pooledSide(side, params.kernel_size, params.padding);
    if (conv < 1 || pooled < 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['kernel_size'],
        message: `kernel_size ${params.kernel_size} with padding '${params.padding}' leaves no feature map (side ${side} → conv ${conv} → pool ${pooled}); use a smaller kernel_size or padding 'same'`,
      });
      return;
    }
    side = pooled;
  }
});

/** Each architecture's fields (read when a message names where a field belongs). */
const architectureShapes = (): Record<string, z.ZodRawShape> => ({ fc: fc.shape, cnn: cnn.shape });

const architectures = z.discriminatedUnion('model', [fc, cnn], {
  error: (issue) =>
    issue.code === 'invalid_union'
      ? `unknown model ${shown((issue.input as { model?: unknown } | undefined)?.model)}; known models: fc, cnn`
      : undefined,
});

/**
 * The classifier's parameters: `{ model: 'fc', units1, units2 }` or `{ model: 'cnn', kernel_size,
 * filters1, filters2, padding, dense_units }`, every field but `model` defaulted (and `model` too:
 * `cnn`). A field of the other architecture is an error that names it.
 */
export const imageClassifierParams = z.preprocess(
  (value) =>
    typeof value === 'object' && value !== null && !('model' in value)
      ? { ...value, model: DEFAULT_ARCHITECTURE }
      : value,
  architectures,
);

/** Parameters of one trial, complete. */
export type ImageClassifierParams = z.output<typeof architectures>;
export type FcParams = z.output<typeof fc>;
export type CnnParams = z.output<typeof cnn>;
