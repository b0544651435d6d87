/**
 * How `train` and `models` name a trainable and its parameters on the command line: `--trainable
 * ./model.ts#export` (default: the built-in image classifier), `--param name=value` (repeatable), and
 * the generic rule that any other `--some-name value` is the parameter `some_name` (so `--model cnn
 * --kernel-size 5` is `--param model=cnn --param kernel_size=5`). Values read as YAML scalars (`5`
 * is a number, `same` a string, `true` a boolean).
 */
import { parse as parseYaml } from 'yaml';
import { isUserError, UserError } from '../../core/common/errors.js';
import { parseModuleRef, type ModuleRef } from '../../core/common/user-module.js';
import type { Trainable } from '../../core/domain/trainable.js';
import type { ParamValue, TrainableLocation } from '../../core/domain/trial.js';
import { BUILTIN_TRAINABLE, resolveTrainable } from '../../execution/trainables.js';
import { trainableModelName } from '../../sweep-spec/expand.js';
import { parameterNamesOf } from '../../sweep-spec/param-schema.js';
import { didYouMean } from '../../sweep-spec/suggest.js';

/** A resolved `--trainable`: the trainable, where it is (none for the built-in) and what configs' `model` says. */
export interface NamedTrainable {
  trainable: Trainable<unknown, unknown>;
  location?: TrainableLocation;
  /** `model` of its trial configs (name, `@version` when it has one). */
  model: string;
}

/**
 * A module reference given with `flag` (`--trainable`, `--dataset-module`), relative to the working
 * folder. A file URL the OS cannot open (`file://host/…`, an encoded `/`) made parseModuleRef throw
 * a TypeError: here it is a UserError naming the flag.
 */
export function moduleRefOfFlag(ref: string, flag: string): ModuleRef {
  try {
    return parseModuleRef(ref, process.cwd());
  } catch (error) {
    if (isUserError(error)) throw error;
    throw new UserError(
      'E_BAD_MODULE_REF',
      `${flag} ${JSON.stringify(ref.slice(0, 60))}${ref.length > 60 ? '…' : ''} is not a module reference (${(error as Error).message}); write it as path/to/module.ts#exportName (or package#export).`,
      { cause: error },
    );
  }
}

/** The trainable `--trainable` names, relative to the working folder; the built-in when `ref` is undefined. */
export async function namedTrainable(ref: string | undefined): Promise<NamedTrainable> {
  if (ref === undefined) return { trainable: BUILTIN_TRAINABLE, model: BUILTIN_TRAINABLE.name };
  const location = moduleRefOfFlag(ref, '--trainable');
  const trainable = await resolveTrainable(location);
  return {
    trainable,
    location,
    model: trainableModelName({
      name: trainable.name,
      module: location.module,
      export: location.export,
      ...(trainable.version !== undefined ? { version: String(trainable.version) } : {}),
      ...(trainable.form !== undefined ? { form: trainable.form } : {}),
    }),
  };
}

function scalar(flag: string, text: string): ParamValue {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch {
    value = text;
  }
  if (value === null || value === undefined) value = '';
  if (typeof value !== 'number' && typeof value !== 'string' && typeof value !== 'boolean')
    throw new UserError('E_BAD_ARGUMENT', `${flag} takes a number, a string or true/false; got '${text}'.`);
  return value;
}

/** `kernel-size` → `kernel_size`. */
const snake = (flag: string) => flag.replace(/-/g, '_');

/**
 * Parameters from `--param name=value` items and the leftover `--name value` / `--name=value`
 * arguments commander did not know. A leftover that is not an option (a stray word) is an error.
 */
export function paramsFromArgs(
  params: readonly string[],
  leftover: readonly string[],
): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const item of params) {
    const eq = item.indexOf('=');
    if (eq <= 0)
      throw new UserError(
        'E_BAD_ARGUMENT',
        `--param expects name=value, e.g. --param kernel_size=5; got '${item}'.`,
      );
    out[item.slice(0, eq).trim()] = scalar(`--param ${item.slice(0, eq)}`, item.slice(eq + 1));
  }
  for (let i = 0; i < leftover.length; i++) {
    const arg = leftover[i]!;
    const match = /^--([A-Za-z][\w-]*)(?:=(.*))?$/.exec(arg);
    if (!match)
      throw new UserError(
        'E_BAD_ARGUMENT',
        `unexpected argument '${arg}'; give parameters as --param name=value (or --name value).`,
      );
    const flag = `--${match[1]!}`;
    let text = match[2];
    if (text === undefined) {
      const next = leftover[i + 1];
      if (next === undefined || /^--[A-Za-z]/.test(next))
        throw new UserError('E_BAD_ARGUMENT', `${flag} needs a value, e.g. ${flag} 3.`);
      text = next;
      i += 1;
    }
    out[snake(match[1]!)] = scalar(flag, text);
  }
  return out;
}

/**
 * Refuses names the trainable's schema does not declare (when it declares its names: a plain
 * function's schema does not), naming the parameters it has and the command's own options.
 */
export function checkParamNames(
  named: NamedTrainable,
  params: Record<string, ParamValue>,
  commandOptions: readonly string[],
): void {
  const known = parameterNamesOf(named.trainable.params);
  if (known.length === 0) return;
  for (const name of Object.keys(params)) {
    if (known.includes(name)) continue;
    const flag = `--${name.replace(/_/g, '-')}`;
    const hint = didYouMean(name, known) || didYouMean(flag, commandOptions);
    throw new UserError(
      'E_BAD_ARGUMENT',
      `${flag} is not a parameter of trainable '${named.trainable.name}'${hint} (its parameters: ${known.join(', ')}) nor an option of this command.`,
    );
  }
}
