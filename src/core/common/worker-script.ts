/**
 * Resolves the entry file of a worker thread or child process that sits next to the caller. From
 * compiled code (`dist/…/x.js`) that is the `.js` file; from source (vitest, tsx) it is the `.ts` file,
 * run with `--import tsx` so the new thread or process can load TypeScript too.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface WorkerScript {
  /** Absolute path of the entry file. */
  filename: string;
  /** Node options the thread or process needs to load it. */
  execArgv: string[];
}

/**
 * @param callerUrl `import.meta.url` of the module asking.
 * @param relativeName Path of the entry relative to the caller, without extension, e.g. `./trial-thread`.
 */
export function resolveWorkerScript(callerUrl: string, relativeName: string): WorkerScript {
  const js = fileURLToPath(new URL(`${relativeName}.js`, callerUrl));
  if (!callerUrl.endsWith('.ts') && existsSync(js)) return { filename: js, execArgv: [] };
  const ts = fileURLToPath(new URL(`${relativeName}.ts`, callerUrl));
  if (existsSync(ts)) {
    const inherited = process.execArgv.filter((a) => !a.startsWith('--inspect'));
    const hasTsx = inherited.some(
      (a, i) => a.includes('tsx') && (inherited[i - 1] === '--import' || a.startsWith('--import')),
    );
    // Resolved from here, not from the working directory, so it works wherever the CLI is started.
    return {
      filename: ts,
      execArgv: hasTsx ? inherited : [...inherited, '--import', import.meta.resolve('tsx')],
    };
  }
  if (existsSync(js)) return { filename: js, execArgv: [] };
  throw new Error(`worker entry ${relativeName} not found next to ${fileURLToPath(callerUrl)}`);
}
