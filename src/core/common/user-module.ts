/**
 * Loads a user's module (a trainable, a dataset plug-in) by path or package specifier and picks one
 * export. TypeScript files load through tsx's `tsImport`, so `trainable: ./model.ts#train` works from
 * the compiled CLI and in training threads alike, without registering a loader for the whole process.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UserError } from './errors.js';

/** A `module#export` reference as written in a spec or passed to the API. */
export interface ModuleRef {
  module: string;
  export: string;
}

/**
 * Splits `./model.ts#train` into module and export (`default` when there is no `#`). Relative paths
 * resolve against `baseDir`; an absolute path or file URL stays; anything else is a package specifier.
 */
export function parseModuleRef(ref: string, baseDir: string): ModuleRef {
  const hash = ref.lastIndexOf('#');
  const spec = hash >= 0 ? ref.slice(0, hash) : ref;
  const exportName = hash >= 0 ? ref.slice(hash + 1) : 'default';
  if (!spec || !exportName) {
    throw new UserError(
      'E_BAD_MODULE_REF',
      `'${ref}' is not a module reference; write it as path/to/module.ts#exportName (or a package name#export).`,
    );
  }
  return { module: resolveModuleSpecifier(spec, baseDir), export: exportName };
}

/**
 * {@link parseModuleRef} for a reference a user gave as `field` (a spec's `trainable`, an option). A
 * file URL the system cannot open (`file://host/x.ts`, an encoded `/`) made `fileURLToPath` throw a
 * TypeError: here it is an `E_BAD_MODULE_REF` naming the field and saying what to write instead.
 */
export function moduleRefOf(
  ref: string,
  baseDir: string,
  options: {
    /** How the reference is named in the message, e.g. `trainable`. */
    field: string;
    /** What relative paths resolve against, in words, e.g. `the spec's folder`. */
    relativeTo: string;
  },
): ModuleRef {
  try {
    return parseModuleRef(ref, baseDir);
  } catch (error) {
    if (error instanceof UserError) throw error;
    const shown = `${JSON.stringify(ref.slice(0, 60))}${ref.length > 60 ? '…' : ''}`;
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0]?.slice(0, 200);
    throw new UserError(
      'E_BAD_MODULE_REF',
      `${options.field} ${shown} is not a file this system can open (${reason}): a file URL must be local, file:///path/to/module.ts#export; or write a path relative to ${options.relativeTo}.`,
      { cause: error },
    );
  }
}

/** An absolute path for relative and absolute paths and file URLs; package specifiers unchanged. */
export function resolveModuleSpecifier(spec: string, baseDir: string): string {
  if (spec.startsWith('file:')) return fileURLToPath(spec);
  if (spec.startsWith('.') || path.isAbsolute(spec)) return path.resolve(baseDir, spec);
  return spec;
}

const TS_FILE = /\.(ts|mts|cts|tsx)$/;

/** Imports `ref.module` and returns `ref.export`; a missing file or export is a {@link UserError} that says which. */
export async function importExport(ref: ModuleRef, what: string): Promise<unknown> {
  const isPath = path.isAbsolute(ref.module);
  if (isPath && !existsSync(ref.module)) {
    throw new UserError(
      'E_MODULE_NOT_FOUND',
      `${what} module ${ref.module} does not exist; check the path (a spec's relative paths are resolved from the spec file's folder, runTrial's from the working folder).`,
    );
  }
  let mod: Record<string, unknown>;
  try {
    if (isPath && TS_FILE.test(ref.module)) {
      const { tsImport } = await import('tsx/esm/api');
      mod = (await tsImport(pathToFileURL(ref.module).href, import.meta.url)) as Record<string, unknown>;
    } else {
      mod = (await import(isPath ? pathToFileURL(ref.module).href : ref.module)) as Record<string, unknown>;
    }
  } catch (error) {
    if (error instanceof UserError) throw error;
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new UserError('E_MODULE_LOAD', `${what} module ${ref.module} failed to load: ${reason}`, {
      cause: error,
    });
  }
  const value = mod[ref.export];
  if (value === undefined) {
    const names = Object.keys(mod).filter((k) => k !== '__esModule');
    throw new UserError(
      'E_MODULE_EXPORT',
      `${what} module ${ref.module} has no export '${ref.export}'; its exports are: ${names.join(', ') || '(none)'}.`,
    );
  }
  return value;
}
