/**
 * How the CLI and workers reach Temporal, from the usual environment variables:
 * `TEMPORAL_ADDRESS` (host:port; none ⇒ the embedded local dev server), `TEMPORAL_NAMESPACE`
 * (default `default`), TLS files `TEMPORAL_TLS_CERT` / `TEMPORAL_TLS_KEY` (client certificate pair)
 * and `TEMPORAL_TLS_CA` (server CA), `TEMPORAL_TLS=true` (TLS with system roots) and `TEMPORAL_API_KEY`
 * (implies TLS, as Temporal Cloud expects). One NativeConnection serves both clients and workers.
 */
import { readFileSync } from 'node:fs';
import { Client } from '@temporalio/client';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import { UserError } from '../common/errors.js';
import { ensureTemporal } from '../services/temporal-dev-server.js';

/** Everything needed to connect. */
export interface TemporalSettings {
  /** host:port of the frontend. */
  address: string;
  /** @default 'default' */
  namespace: string;
  /** Client certificate pair and/or server CA, as file paths; `true` for TLS with system roots. */
  tls?: { certFile?: string; keyFile?: string; caFile?: string } | true;
  apiKey?: string;
  /** True when the address is the embedded local dev server this process started or reused. */
  embedded: boolean;
}

export interface ResolveSettingsOptions {
  /** Overrides `TEMPORAL_ADDRESS`. */
  address?: string;
  /** Overrides `TEMPORAL_NAMESPACE`. */
  namespace?: string;
  /** Environment to read. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** With no address configured, start or reuse the local dev server. @default true */
  embedded?: boolean;
}

/** Reads the connection settings from the environment (and options), starting the dev server if needed. */
export async function resolveTemporalSettings(
  options: ResolveSettingsOptions = {},
): Promise<TemporalSettings> {
  const env = options.env ?? process.env;
  const namespace = options.namespace ?? env['TEMPORAL_NAMESPACE'] ?? 'default';
  const certFile = env['TEMPORAL_TLS_CERT'];
  const keyFile = env['TEMPORAL_TLS_KEY'];
  const caFile = env['TEMPORAL_TLS_CA'];
  const apiKey = env['TEMPORAL_API_KEY'] || undefined;
  if (Boolean(certFile) !== Boolean(keyFile)) {
    throw new UserError(
      'E_TEMPORAL_TLS',
      'TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be set together (client certificate and its key).',
    );
  }
  let tls: TemporalSettings['tls'];
  if (certFile || caFile)
    tls = {
      ...(certFile ? { certFile } : {}),
      ...(keyFile ? { keyFile } : {}),
      ...(caFile ? { caFile } : {}),
    };
  else if (apiKey || env['TEMPORAL_TLS'] === 'true') tls = true;
  let address = options.address ?? env['TEMPORAL_ADDRESS'];
  let embedded = false;
  if (!address) {
    if (options.embedded === false) {
      throw new UserError(
        'E_TEMPORAL_ADDRESS',
        'TEMPORAL_ADDRESS is not set; set it to the host:port of your Temporal frontend.',
      );
    }
    ({ address, embedded } = await ensureTemporal());
  }
  return { address, namespace, ...(tls ? { tls } : {}), ...(apiKey ? { apiKey } : {}), embedded };
}

function readFile(file: string, variable: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new UserError(
      'E_TEMPORAL_TLS',
      `cannot read ${variable} file ${file}: ${(error as Error).message}`,
    );
  }
}

/** NativeConnection options for the settings (reads the TLS files). */
export function nativeConnectionOptions(settings: TemporalSettings): NativeConnectionOptions {
  const options: NativeConnectionOptions = { address: settings.address };
  if (settings.tls === true) options.tls = true;
  else if (settings.tls) {
    const { certFile, keyFile, caFile } = settings.tls;
    options.tls = {
      ...(certFile && keyFile
        ? {
            clientCertPair: {
              crt: readFile(certFile, 'TEMPORAL_TLS_CERT'),
              key: readFile(keyFile, 'TEMPORAL_TLS_KEY'),
            },
          }
        : {}),
      ...(caFile ? { serverRootCACertificate: readFile(caFile, 'TEMPORAL_TLS_CA') } : {}),
    };
  }
  if (settings.apiKey) options.apiKey = settings.apiKey;
  return options;
}

/** Opens a connection; an unreachable server is a UserError saying which address was tried. */
export async function connectTemporal(settings: TemporalSettings): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect(nativeConnectionOptions(settings));
  } catch (error) {
    throw new UserError(
      'E_TEMPORAL_UNREACHABLE',
      `cannot connect to Temporal at ${settings.address} (namespace ${settings.namespace}): ${(error as Error).message}. Check TEMPORAL_ADDRESS and the TLS/API-key settings.`,
      { cause: error },
    );
  }
}

/** A Temporal client on a connection. */
export function createTemporalClient(
  connection: NativeConnection,
  settings: Pick<TemporalSettings, 'namespace'>,
): Client {
  return new Client({ connection, namespace: settings.namespace });
}
