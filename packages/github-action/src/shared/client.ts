import {
  type CallOptions,
  type ClientEvent,
  ConfigError,
  GencoveClient,
  type GencoveClientOptions,
  type ProjectDetail,
  resolveConfig,
  type SampleDetail,
} from '@gencove/core';
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
 * A client that also masks the signatures of the presigned download URLs it receives. Every
 * other secret (API key, password, JWTs, OTPs, upload credentials) reaches the masking through
 * core's `onSecret` as soon as the client learns it.
 */
class MaskingClient extends GencoveClient {
  readonly #io: ActionIo;

  constructor(options: GencoveClientOptions, io: ActionIo) {
    super(options);
    this.#io = io;
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
  const client = new MaskingClient(
    {
      host: config.host,
      ...(config.s3Endpoint ? { s3Endpoint: config.s3Endpoint } : {}),
      ...(credentials.mode === 'api-key'
        ? { apiKey: credentials.apiKey }
        : { email: credentials.email!, password: credentials.password! }),
      userAgent: 'gencove-github-action',
      onSecret: (secret) => io.mask(secret),
      onEvent: (event) => logClientEvent(io, event),
    },
    io,
  );
  return { client, close: () => client.close() };
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
