import { type ClientEvent, GencoveClient, resolveConfig } from '@gencove/core';
import { type Io, warn } from './io.js';
import { ask } from './prompt.js';

/** Options every API command accepts, with the official CLI's names. */
export interface AuthOptions {
  host?: string;
  email?: string;
  password?: string;
  apiKey?: string;
}

export interface OutputOptions {
  json?: boolean;
  progress?: boolean;
}

/**
 * Turns flags + environment into a client. The environment is read through core's one
 * config helper; the CLI only adds what needs a person: prompts for a missing e-mail,
 * password or one-time code on a terminal.
 */
export async function createClient(options: AuthOptions, io: Io): Promise<GencoveClient> {
  const config = resolveConfig(
    {
      host: options.host,
      email: options.email,
      password: options.password,
      apiKey: options.apiKey,
    },
    io.env,
  );
  for (const warning of config.warnings) warn(io, warning);
  const { credentials } = config;
  const quiet = (options as { json?: boolean }).json === true;
  const common = {
    host: config.host,
    s3Endpoint: config.s3Endpoint,
    onEvent:
      config.debug || !quiet
        ? (event: ClientEvent) => {
            if (config.debug) reportDebug(io, event);
            if (!quiet) reportRetry(io, event);
          }
        : undefined,
    otp: () => ask(io, 'One-time password: ', 'A one-time password (2FA)', true),
  };
  if (credentials.mode === 'api-key')
    return new GencoveClient({ ...common, apiKey: credentials.apiKey });
  const email =
    credentials.email ??
    (await ask(io, 'Email: ', 'An e-mail address (--email or GENCOVE_EMAIL) or an API key'));
  const password =
    credentials.password ??
    (await ask(io, 'Password: ', 'A password (--password or GENCOVE_PASSWORD)', true));
  return new GencoveClient({ ...common, email, password });
}

/** The official client logs a line per retry; people watching a slow run want to see them too. */
function reportRetry(io: Io, event: ClientEvent): void {
  if (event.type !== 'retry') return;
  const why = event.status ? `HTTP ${event.status}` : event.reason;
  const seconds = (event.delayMs / 1000).toFixed(1);
  warn(
    io,
    `${event.method} ${event.endpoint} failed (${why}, attempt ${event.attempt}); retrying in ${seconds}s`,
  );
}

/**
 * `GENCOVE_LOG=DEBUG` (spec §1.10): a timestamped line per request, response, retry and login
 * step on stderr. The client's events are redacted already (keys, passwords, tokens, signatures).
 */
function reportDebug(io: Io, event: ClientEvent): void {
  const { type, ...fields } = event;
  io.stderr.write(`DEBUG ${new Date().toISOString()} ${type} ${JSON.stringify(fields)}\n`);
}

/** Runs `work` with a client and always closes the client's connections afterwards. */
export async function withClient<T>(
  options: AuthOptions,
  io: Io,
  work: (client: GencoveClient) => Promise<T>,
): Promise<T> {
  const client = await createClient(options, io);
  try {
    return await work(client);
  } finally {
    await client.close();
  }
}
