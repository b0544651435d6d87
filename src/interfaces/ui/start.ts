/**
 * `seedsweep ui`'s wiring: a Temporal session and a tracker from the environment (the embedded
 * servers when their addresses are unset, as every command), the UIs to link to, and the page server.
 */
import { UserError } from '../../core/common/errors.js';
import { stateDir } from '../../core/common/paths.js';
import { ensureMlflow } from '../../services/mlflow-server.js';
import { createTracker } from '../../tracking/index.js';
import { openTemporalSession } from '../../temporal/client/session.js';
import { createUiBackend } from './backend.js';
import { findTemporalUi } from './links.js';
import { startUiServer, type UiServer } from './server.js';

/** Options of {@link startUiFromEnvironment}. */
export interface StartUiOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Base URL of the Temporal UI. @default the dev server's UI port beside the Temporal address, when it answers */
  temporalUi?: string;
}

/** Starts the page server; `close()` also closes the Temporal connection. */
export async function startUiFromEnvironment(options: StartUiOptions): Promise<UiServer> {
  const session = await openTemporalSession();
  try {
    const dir = stateDir();
    const tracker = await createTracker({ stateDir: dir });
    const { uri: mlflow } = await ensureMlflow({ stateDir: dir });
    const temporal = options.temporalUi ?? (await findTemporalUi(session.settings.address));
    const server = await startUiServer({
      backend: createUiBackend({ client: session.client, tracker }),
      links: { mlflow, namespace: session.settings.namespace, ...(temporal ? { temporal } : {}) },
      host: options.host,
      port: options.port,
    }).catch((error: unknown) => {
      const code = (error as { code?: string }).code;
      if (code === 'EADDRINUSE')
        throw new UserError(
          'E_UI_PORT_IN_USE',
          `port ${options.port} on ${options.host} is in use; pass --port with another one (0 picks a free port).`,
        );
      if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EACCES')
        throw new UserError(
          'E_UI_LISTEN',
          `cannot listen on ${options.host}:${options.port} (${code}); pass a --host of this machine and a --port you may open.`,
        );
      throw error;
    });
    return {
      ...server,
      close: async () => {
        await server.close();
        await session.close();
      },
    };
  } catch (error) {
    await session.close();
    throw error;
  }
}
