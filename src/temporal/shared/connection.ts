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
import { UserError } from '../../core/common/errors.js';
import { quoteLine } from '../../core/common/quote-line.js';
import { ensureTemporal } from '../../services/temporal-dev-server.js';

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

/** What a failed connection attempt most likely means, and what to do about it. */
interface ConnectFailure {
  code: 'E_TEMPORAL_UNREACHABLE' | 'E_TEMPORAL_AUTH';
  /** What was wrong, in words (the SDK's own message follows in parentheses). */
  problem: string;
  /** What to do. */
  fix: string;
}

/**
 * Reads the SDK's message of a failed `NativeConnection.connect` (a TransportError that carries only a
 * message: rustls / tonic / gRPC status text) and says what it means for these settings.
 */
function explainConnectFailure(settings: TemporalSettings, message: string): ConnectFailure {
  const tlsOn = settings.tls !== undefined;
  const caFile = settings.tls !== true ? settings.tls?.caFile : undefined;
  const certFile = settings.tls !== true ? settings.tls?.certFile : undefined;
  const host = settings.address.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  const certificateProblem = /InvalidCertificate\((\w+)/.exec(message)?.[1];
  if (/valid authentication credentials|Unauthenticated|code: 16\b/i.test(message)) {
    return {
      code: 'E_TEMPORAL_AUTH',
      problem: settings.apiKey
        ? 'the server rejected the API key (gRPC UNAUTHENTICATED)'
        : 'the server requires credentials (gRPC UNAUTHENTICATED) and none were sent',
      fix: settings.apiKey
        ? 'Check TEMPORAL_API_KEY: the whole key, not revoked or expired, and issued for an account with access to this namespace.'
        : 'Set TEMPORAL_API_KEY (Temporal Cloud API key), or TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY if the server authenticates client certificates.',
    };
  }
  if (/PermissionDenied|permission denied|does not have permission|code: 7\b/i.test(message)) {
    return {
      code: 'E_TEMPORAL_AUTH',
      problem: 'the server refused these credentials (gRPC PERMISSION_DENIED)',
      fix: 'Use credentials (TEMPORAL_API_KEY, or TEMPORAL_TLS_CERT/TEMPORAL_TLS_KEY) that are allowed on this namespace.',
    };
  }
  if (certificateProblem === 'UnknownIssuer' || certificateProblem === 'BadSignature') {
    return {
      code: 'E_TEMPORAL_UNREACHABLE',
      problem: "the server's TLS certificate is not signed by a CA this client trusts",
      fix: caFile
        ? `TEMPORAL_TLS_CA (${caFile}) is not the CA that signed the server's certificate: set it to the CA file the server's certificate was issued by.`
        : "Set TEMPORAL_TLS_CA to the PEM file of the CA that signed the server's certificate (without it, only the system's root CAs are trusted).",
    };
  }
  if (certificateProblem?.startsWith('NotValidForName')) {
    return {
      code: 'E_TEMPORAL_UNREACHABLE',
      problem: `the server's TLS certificate is not issued for ${host}`,
      fix: 'Use in TEMPORAL_ADDRESS a host name (or IP address) the certificate lists in its subject alternative names.',
    };
  }
  if (certificateProblem) {
    return {
      code: 'E_TEMPORAL_UNREACHABLE',
      problem: `the server's TLS certificate was rejected (${certificateProblem})`,
      fix: "Check the server's certificate (validity dates, usage) and TEMPORAL_TLS_CA.",
    };
  }
  if (/CertificateRequired|certificate required/i.test(message)) {
    return {
      code: 'E_TEMPORAL_UNREACHABLE',
      problem: 'the server requires a client certificate (mTLS) and none was sent',
      fix: 'Set TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY to the client certificate and key the server (or your Temporal Cloud namespace) accepts.',
    };
  }
  if (tlsOn && /InvalidContentType|InvalidMessage|wrong version number/i.test(message)) {
    return {
      code: 'E_TEMPORAL_UNREACHABLE',
      problem: 'the server did not answer in TLS: it looks like a plaintext endpoint',
      fix: 'Check the port in TEMPORAL_ADDRESS; if that server really has no TLS, unset TEMPORAL_TLS, TEMPORAL_TLS_CA and TEMPORAL_API_KEY (an API key implies TLS).',
    };
  }
  if (/tcp connect error|Connection refused|dns error|failed to lookup/i.test(message)) {
    return {
      code: 'E_TEMPORAL_UNREACHABLE',
      problem: 'nothing answered at that address',
      fix: 'Check TEMPORAL_ADDRESS (host:port of the Temporal frontend, 7233 by default) and that the server is running and reachable from this host.',
    };
  }
  // A TLS server that refuses the handshake (e.g. mTLS without an accepted client certificate) closes
  // the connection; which of these the client reports depends on timing.
  if (
    /close_notify|UnexpectedEof|BrokenPipe|broken pipe|Connection reset|connection closed|Canceled|transport error/i.test(
      message,
    )
  ) {
    if (!tlsOn) {
      return {
        code: 'E_TEMPORAL_UNREACHABLE',
        problem: 'the server closed the connection; it probably expects TLS, and TLS is off',
        fix: 'If the server uses TLS (Temporal Cloud always does), set TEMPORAL_TLS=true (public CA), TEMPORAL_TLS_CA (private CA) or TEMPORAL_API_KEY; otherwise check TEMPORAL_ADDRESS.',
      };
    }
    if (certFile) {
      return {
        code: 'E_TEMPORAL_UNREACHABLE',
        problem:
          'the server closed the TLS connection; a server that requires mTLS does so when it does not accept the client certificate',
        fix: `Check that TEMPORAL_TLS_CERT (${certFile}) is signed by a CA the server trusts (for Temporal Cloud: a CA certificate uploaded to the namespace) and is not expired, and that TEMPORAL_TLS_KEY is its key.`,
      };
    }
    return {
      code: 'E_TEMPORAL_UNREACHABLE',
      problem: 'the server closed the TLS connection',
      fix: 'If the server requires client certificates (mTLS), set TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY; otherwise check TEMPORAL_ADDRESS.',
    };
  }
  return {
    code: 'E_TEMPORAL_UNREACHABLE',
    problem: 'the connection failed',
    fix: 'Check TEMPORAL_ADDRESS and the TLS/API-key settings (TEMPORAL_TLS, TEMPORAL_TLS_CA, TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY, TEMPORAL_API_KEY).',
  };
}

/** gRPC status codes of the namespace check. */
const GRPC_NOT_FOUND = 5;
const GRPC_PERMISSION_DENIED = 7;
const GRPC_UNAUTHENTICATED = 16;

/**
 * Opens a connection and checks that the namespace exists. Failures are UserErrors naming the
 * address and namespace, saying what was wrong and what to do: `E_TEMPORAL_TLS` (a TLS file cannot be
 * read), `E_TEMPORAL_UNREACHABLE` (no server, TLS on one side only, untrusted server certificate,
 * client certificate missing or refused), `E_TEMPORAL_AUTH` (gRPC UNAUTHENTICATED / PERMISSION_DENIED:
 * API key refused or missing), `E_TEMPORAL_NAMESPACE` (no such namespace).
 */
export async function connectTemporal(settings: TemporalSettings): Promise<NativeConnection> {
  const where = `Temporal at ${settings.address} (namespace ${settings.namespace})`;
  let connection: NativeConnection;
  try {
    connection = await NativeConnection.connect(nativeConnectionOptions(settings));
  } catch (error) {
    if (error instanceof UserError) throw error;
    const message = (error as Error).message;
    const failure = explainConnectFailure(settings, message);
    throw new UserError(
      failure.code,
      `cannot connect to ${where}: ${failure.problem} (${quoteLine(message)}). ${failure.fix}`,
      { cause: error },
    );
  }
  try {
    await connection.withDeadline(Date.now() + 15_000, () =>
      connection.workflowService.describeNamespace({ namespace: settings.namespace }),
    );
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const message = (error as Error).message;
    if (code === GRPC_NOT_FOUND) {
      await connection.close();
      throw new UserError(
        'E_TEMPORAL_NAMESPACE',
        `${where}: the namespace ${settings.namespace} does not exist (${quoteLine(message)}). Set TEMPORAL_NAMESPACE to an existing namespace (Temporal Cloud: <namespace>.<account-id>), or create it: \`temporal operator namespace create --namespace ${settings.namespace}\` on a self-hosted cluster, the Cloud UI or tcld on Temporal Cloud.`,
        { cause: error },
      );
    }
    if (code === GRPC_UNAUTHENTICATED || code === GRPC_PERMISSION_DENIED) {
      await connection.close();
      throw new UserError(
        'E_TEMPORAL_AUTH',
        `${where}: the server refused access to the namespace (${quoteLine(message)}). Use credentials (TEMPORAL_API_KEY, or TEMPORAL_TLS_CERT/TEMPORAL_TLS_KEY) that are allowed on namespace ${settings.namespace}, and check TEMPORAL_NAMESPACE.`,
        { cause: error },
      );
    }
    // Anything else (an old server, a slow one) is left to the calls that follow.
  }
  return connection;
}

/** A Temporal client on a connection. */
export function createTemporalClient(
  connection: NativeConnection,
  settings: Pick<TemporalSettings, 'namespace'>,
): Client {
  return new Client({ connection, namespace: settings.namespace });
}
