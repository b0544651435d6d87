/** A CLI command's Temporal session: settings from the environment, one connection, one client. */
import type { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { installTemporalRuntime } from '../workers/runtime.js';
import { rememberTemporalAddress } from './temporal-errors.js';
import {
  connectTemporal,
  createTemporalClient,
  resolveTemporalSettings,
  type TemporalSettings,
} from '../shared/connection.js';

export interface TemporalSession {
  settings: TemporalSettings;
  connection: NativeConnection;
  client: Client;
  close(): Promise<void>;
}

/** Opens a session (starting the embedded dev server when `TEMPORAL_ADDRESS` is unset). */
export async function openTemporalSession(): Promise<TemporalSession> {
  // Settings first: they may start the embedded server and fail, and an installed runtime that never
  // gets a connection keeps the process alive.
  const settings = await resolveTemporalSettings();
  installTemporalRuntime();
  const connection = await connectTemporal(settings);
  const client = createTemporalClient(connection, settings);
  rememberTemporalAddress(client, settings.address);
  return { settings, connection, client, close: () => connection.close() };
}
