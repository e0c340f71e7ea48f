import {
  type CallOptions,
  type ClientEvent,
  ConfigError,
  DEFAULT_TIMEOUT_MS,
  GencoveClient,
  type GencoveClientOptions,
  type ProjectDetail,
  resolveConfig,
  type SampleDetail,
  type UploadCredentials,
} from '@gencove/core';
import { Agent, type Dispatcher } from 'undici';
import type { ActionIo } from './action-io.js';
import { InputError, type Inputs } from './inputs.js';

/** Connection inputs every action accepts. */
export interface ConnectionInputs {
  host?: string;
  apiKey?: string;
  email?: string;
  password?: string;
}

/**
 * Reads `api-key`, `email`, `password`, `host` and masks the secrets among them (and the
 * `GENCOVE_*` environment fallbacks) before anything else runs.
 */
export function readConnectionInputs(
  inputs: Inputs,
  io: ActionIo,
  env: NodeJS.ProcessEnv,
): ConnectionInputs {
  const apiKey = inputs.string('api-key');
  const password = inputs.raw('password');
  io.mask(apiKey);
  io.mask(password);
  io.mask(env.GENCOVE_API_KEY?.trim());
  io.mask(env.GENCOVE_PASSWORD);
  const host = inputs.string('host');
  const email = inputs.string('email');
  return {
    ...(host ? { host } : {}),
    ...(apiKey ? { apiKey } : {}),
    ...(email ? { email } : {}),
    ...(password !== undefined ? { password } : {}),
  };
}

/**
 * A client that reports every secret it receives to the runner's masking: upload session
 * credentials, presigned download URL signatures and (through its dispatcher) the JWTs it sends.
 */
class MaskingClient extends GencoveClient {
  readonly #io: ActionIo;

  constructor(options: GencoveClientOptions, io: ActionIo) {
    super(options);
    this.#io = io;
  }

  override async getUploadCredentials(options?: CallOptions): Promise<UploadCredentials> {
    const credentials = await super.getUploadCredentials(options);
    this.#io.mask(credentials.access_key);
    this.#io.mask(credentials.secret_key);
    this.#io.mask(credentials.token);
    return credentials;
  }

  override async getSample(sampleId: string, options?: CallOptions): Promise<SampleDetail> {
    const sample = await super.getSample(sampleId, options);
    for (const file of sample.files ?? []) {
      if (file.download_url) this.#io.maskUrlSignatures(file.download_url);
    }
    return sample;
  }

  override async getProject(projectId: string, options?: CallOptions): Promise<ProjectDetail> {
    const project = await super.getProject(projectId, options);
    for (const file of project.files ?? []) {
      if (file.download_url) this.#io.maskUrlSignatures(file.download_url);
    }
    return project;
  }
}

/**
 * In e-mail mode the client holds JWTs it never exposes. This interceptor sees each request
 * before it leaves and masks the bearer token and a refresh token in the body, so a JWT is
 * registered with the runner before its first possible appearance anywhere.
 */
function jwtMaskingDispatcher(io: ActionIo): Dispatcher {
  return new Agent({
    connections: 16,
    keepAliveTimeout: 10_000,
    connect: { timeout: DEFAULT_TIMEOUT_MS },
  }).compose((dispatch) => (options, handler) => {
    const authorization = headerValue(options.headers, 'authorization');
    const bearer = authorization ? /^Bearer\s+(\S+)/i.exec(authorization)?.[1] : undefined;
    if (bearer) io.mask(bearer);
    if (typeof options.body === 'string' && options.body.includes('"refresh"')) {
      try {
        const refresh = (JSON.parse(options.body) as { refresh?: unknown }).refresh;
        if (typeof refresh === 'string') io.mask(refresh);
      } catch {
        // not JSON: nothing to mask
      }
    }
    return dispatch(options, handler);
  });
}

function headerValue(
  headers: Dispatcher.DispatchOptions['headers'],
  name: string,
): string | undefined {
  if (!headers) return undefined;
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) {
      if (String(headers[i]).toLowerCase() === name) return String(headers[i + 1]);
    }
    return undefined;
  }
  for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
    if (key.toLowerCase() === name && value !== undefined) return String(value);
  }
  return undefined;
}

export interface ActionClient {
  client: GencoveClient;
  close(): Promise<void>;
}

/** Builds the client from inputs with the `GENCOVE_*` environment as fallback (spec §2.1). */
export function createActionClient(
  connection: ConnectionInputs,
  io: ActionIo,
  env: NodeJS.ProcessEnv,
): ActionClient {
  let config: ReturnType<typeof resolveConfig>;
  try {
    config = resolveConfig(connection, env);
  } catch (error) {
    if (error instanceof ConfigError) throw new InputError('api-key', error.message);
    throw error;
  }
  for (const warning of config.warnings) io.warning(warning);
  const credentials = config.credentials;
  if (credentials.mode === 'password' && credentials.missing.length > 0) {
    throw new InputError(
      'api-key',
      'no credentials: set api-key (recommended: an API key stored as a repository secret), or email and password.',
    );
  }
  const agent = credentials.mode === 'password' ? jwtMaskingDispatcher(io) : undefined;
  const client = new MaskingClient(
    {
      host: config.host,
      ...(config.s3Endpoint ? { s3Endpoint: config.s3Endpoint } : {}),
      ...(credentials.mode === 'api-key'
        ? { apiKey: credentials.apiKey }
        : { email: credentials.email!, password: credentials.password! }),
      ...(agent ? { agent } : {}),
      userAgent: 'gencove-github-action',
      onEvent: (event) => logClientEvent(io, event),
    },
    io,
  );
  return {
    client,
    async close() {
      await client.close();
      await agent?.close();
    },
  };
}

function logClientEvent(io: ActionIo, event: ClientEvent): void {
  switch (event.type) {
    case 'retry':
      io.info(
        `Retrying ${event.method} ${event.endpoint} in ${(event.delayMs / 1000).toFixed(1)}s (attempt ${event.attempt} failed: ${event.status ?? event.code}).`,
      );
      break;
    case 'request':
      io.debug(`→ ${event.method} ${event.url}`);
      break;
    case 'response':
      io.debug(`← ${event.status} ${event.method} ${event.url} (${event.durationMs} ms)`);
      break;
    case 'request-error':
      io.debug(`✕ ${event.method} ${event.url}: ${event.code} ${event.message}`);
      break;
    default:
      io.debug(`${event.type}: ${event.phase}`);
  }
}
