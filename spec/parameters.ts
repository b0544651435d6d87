/**
 * The parameters a sweep can vary, by their spec (snake_case) names, and how each maps onto a trial
 * config: `model`, every architecture option (via the architecture registry) and the training
 * settings. Pure (no Node built-ins, no I/O): expansion uses it inside workflow code.
 */
import { architectureNames, getArchitecture, optionNameForSpecName } from '../engine/architectures.js';
import type { ArchitectureOption } from '../engine/architectures.js';
import type { TrainSettings, TrialConfig } from '../engine/types.js';

/** A value a parameter can take in a spec: a number or a string. */
export type { ParamValue } from '../domain/trial.js';
import type { ParamValue } from '../domain/trial.js';

/** Training settings a sweep may vary, spec name → `TrainSettings` field. */
export const TRAIN_PARAMS = {
  epochs: 'epochs',
  batch_size: 'batchSize',
  optimizer: 'optimizer',
  learning_rate: 'learningRate',
} as const satisfies Record<string, keyof TrainSettings>;
export type TrainParam = keyof typeof TRAIN_PARAMS;

/** Allowed optimisers (mirrors `OptimizerName` in engine/types.ts, kept as data for messages). */
export const OPTIMIZERS = ['adam', 'sgd', 'rmsprop'] as const;

/** Inclusive bounds of the integer training settings. */
const TRAIN_INTEGER_BOUNDS: Record<'epochs' | 'batch_size', { min: number; max: number }> = {
  epochs: { min: 1, max: 10_000 },
  batch_size: { min: 1, max: 65_536 },
};

/** How a parameter's values are typed, for checking values and distributions. */
export type ParamKind = 'model' | 'integer' | 'number' | 'choice';

export function isTrainParam(name: string): name is TrainParam {
  return Object.hasOwn(TRAIN_PARAMS, name);
}

/** Every parameter name a spec may use: `model`, architecture options in registry order, training settings. */
export function parameterNames(): string[] {
  const names = ['model'];
  for (const model of architectureNames()) {
    for (const option of Object.values(getArchitecture(model).options)) {
      if (!names.includes(option.specName)) names.push(option.specName);
    }
  }
  return [...names, ...Object.keys(TRAIN_PARAMS)];
}

/** True when `param` means something for `model` (training settings and `model` apply to every model). */
export function appliesTo(param: string, model: string): boolean {
  if (param === 'model' || isTrainParam(param)) return true;
  return optionNameForSpecName(model, param) !== undefined;
}

/** Models (among all known) that have the architecture option `param`. */
export function modelsWithOption(param: string): string[] {
  return architectureNames().filter((model) => optionNameForSpecName(model, param) !== undefined);
}

/** The architecture option definition of `param` for `model`, if it has one. */
function optionOf(model: string, param: string): ArchitectureOption | undefined {
  const name = optionNameForSpecName(model, param);
  return name === undefined ? undefined : getArchitecture(model).options[name];
}

/** A parameter's type for `model` (`undefined` when it does not apply). */
export function paramKind(param: string, model: string): ParamKind | undefined {
  if (param === 'model') return 'model';
  if (param === 'learning_rate') return 'number';
  if (param === 'optimizer') return 'choice';
  if (param === 'epochs' || param === 'batch_size') return 'integer';
  const option = optionOf(model, param);
  if (!option) return undefined;
  return option.kind;
}

/** Inclusive integer bounds of `param` for `model`. */
export function integerBounds(param: string, model: string): { min: number; max: number } | undefined {
  if (param === 'epochs' || param === 'batch_size') return TRAIN_INTEGER_BOUNDS[param];
  const option = optionOf(model, param);
  if (option?.kind !== 'integer') return undefined;
  return { min: option.min ?? Number.MIN_SAFE_INTEGER, max: option.max ?? Number.MAX_SAFE_INTEGER };
}

/** Allowed values of a choice parameter for `model`. */
export function choicesOf(param: string, model: string): readonly string[] | undefined {
  if (param === 'model') return architectureNames();
  if (param === 'optimizer') return OPTIMIZERS;
  return optionOf(model, param)?.choices;
}

/** What a valid value of `param` (for `model`) looks like, for error messages. */
export function expectationOf(param: string, model: string): string {
  const kind = paramKind(param, model);
  if (kind === 'number') return 'a positive number';
  if (kind === 'integer') {
    const bounds = integerBounds(param, model);
    return bounds ? `an integer from ${bounds.min} to ${bounds.max}` : 'an integer';
  }
  const choices = choicesOf(param, model);
  return choices ? `one of ${choices.join(', ')}` : 'a value';
}

/** True when `value` is a valid value of `param` for `model`. */
export function isValidValue(param: string, model: string, value: ParamValue): boolean {
  const kind = paramKind(param, model);
  if (kind === 'number') return typeof value === 'number' && Number.isFinite(value) && value > 0;
  if (kind === 'integer') {
    const bounds = integerBounds(param, model);
    return (
      typeof value === 'number' &&
      Number.isInteger(value) &&
      !!bounds &&
      value >= bounds.min &&
      value <= bounds.max
    );
  }
  const choices = choicesOf(param, model);
  return typeof value === 'string' && !!choices && choices.includes(value);
}

/** The value of `param` in a canonical config (`undefined` when it does not apply to the config's model). */
export function valueInConfig(param: string, config: TrialConfig): ParamValue | undefined {
  // A trainable's parameters are its own names (a parameter may even be called `model`).
  if (config.trainable) return param === 'epochs' ? config.train.epochs : config.modelOptions[param];
  if (param === 'model') return config.model;
  if (isTrainParam(param)) return config.train[TRAIN_PARAMS[param]];
  const option = optionNameForSpecName(config.model, param);
  return option === undefined ? undefined : config.modelOptions[option];
}
