import { mkdtemp, rm } from 'node:fs/promises';
import type http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App } from './app.js';
import { Auth } from './auth.js';
import { ChaosEngine } from './chaos/engine.js';
import { ResourceNames } from './chaos/resources.js';
import { PipelineClock } from './clock.js';
import { createControl } from './control.js';
import { FaultRegistry } from './faults.js';
import { ProjectJobs } from './jobs.js';
import { Lifecycle } from './lifecycle.js';
import { isLoopbackHost } from './loopback.js';
import { Pipeline } from './pipeline.js';
import { Presigner } from './presign.js';
import { RequestLog } from './requestlog.js';
import { Router } from './router.js';
import { authRoutes } from './routes/auth.js';
import { controlRoutes } from './routes/control.js';
import { existingSampleRoutes } from './routes/existing-samples.js';
import { importRoutes } from './routes/imports.js';
import { manifestRoutes } from './routes/manifests.js';
import { projectJobRoutes } from './routes/project-jobs.js';
import { projectRoutes } from './routes/projects.js';
import { reportRoutes } from './routes/reports.js';
import { sampleRoutes } from './routes/samples.js';
import { markUploaded, uploadRoutes } from './routes/uploads.js';
import { CredentialRegistry } from './s3/credentials.js';
import { ObjectStore } from './s3/objects.js';
import { type DownloadModes, startS3Proxy } from './s3/proxy.js';
import { type RunningS3rver, startS3rver } from './s3/s3rver.js';
import { IssuedSecrets } from './secrets.js';
import { SEED, seed } from './seed.js';
import { startApiServer } from './server.js';
import { Store } from './state.js';
import type { Sandbox, SandboxOptions } from './types.js';
import { Webhooks } from './webhooks.js';

export const BUCKETS = {
  uploads: 'gncv-sandbox-uploads',
  results: 'gncv-sandbox-results',
  /** Stands for a lab's own bucket: the source of URL imports in tests and the demo. */
  external: 'lab-external-data',
};

function closeServer(server: http.Server | undefined): Promise<void> {
  if (!server?.listening) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Starts the API server, the S3 proxy and s3rver, seeds the data and returns handles. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopbackHost(host)) {
    throw new Error(`gencove-sandbox only binds to loopback addresses (got ${host})`);
  }
  const mode = options.pipeline ?? { stepMs: 2000 };
  if (typeof mode === 'object' && !(mode.stepMs > 0)) {
    throw new Error('pipeline.stepMs must be > 0');
  }
  const lifecycle = new Lifecycle();
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'gencove-sandbox-')));
  // object-write bodies land here first (s3/spool.ts); never inside dataDir, which s3rver lists
  const spoolDir = await mkdtemp(join(tmpdir(), 'gencove-sandbox-spool-'));
  let s3: RunningS3rver | undefined;
  let objects: ObjectStore | undefined;
  let proxyServer: http.Server | undefined;
  let apiServer: http.Server | undefined;

  const shutdown = async (): Promise<void> => {
    await closeServer(apiServer);
    await closeServer(proxyServer);
    await lifecycle.close();
    await s3?.close();
    objects?.close();
    if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
    await rm(spoolDir, { recursive: true, force: true });
  };

  const chaos = new ChaosEngine();
  chaos.configure(options.chaos);
  const secrets = new IssuedSecrets();
  secrets.add(SEED.apiKey, SEED.password, SEED.mfa.password, options.webhook?.secret);

  try {
    const webhooks = new Webhooks(options.webhook, lifecycle, chaos);
    s3 = await startS3rver(dataDir, [BUCKETS.uploads, BUCKETS.results, BUCKETS.external]);
    objects = new ObjectStore(s3.host, s3.port);
    const clock = new PipelineClock(typeof mode === 'object');
    const store = new Store(clock);
    const faults = new FaultRegistry();
    const log = new RequestLog();
    const credentials = new CredentialRegistry(secrets);
    const modes: DownloadModes = { hostileFilenames: false, corrupt: false, truncate: false };
    const presigner = new Presigner(options.downloadUrlTtlSeconds ?? 3600, secrets);
    const names = new ResourceNames(store);
    const pipeline = new Pipeline({
      store,
      clock,
      lifecycle,
      objects,
      buckets: BUCKETS,
      webhooks,
      mode,
    });
    const jobs = new ProjectJobs({
      store,
      clock,
      lifecycle,
      objects,
      buckets: BUCKETS,
      stepMs: pipeline.stepMs,
    });
    pipeline.others.push(() => jobs.sync());
    const app: App = {
      store,
      auth: new Auth(store, options.accessTokenTtlSeconds ?? 300, secrets),
      settings: {
        accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 300,
        uploadCredentialsTtlSeconds: options.uploadCredentialsTtlSeconds ?? 3600,
        downloadUrlTtlSeconds: options.downloadUrlTtlSeconds ?? 3600,
      },
      presigner,
      credentials,
      objects,
      pipeline,
      jobs,
      webhooks,
      faults,
      chaos,
      names,
      secrets,
      log,
      lifecycle,
      modes,
      buckets: BUCKETS,
    };

    const proxy = await startS3Proxy({
      host,
      port: options.s3Port ?? 0,
      upstream: { host: s3.host, port: s3.port },
      uploadsBucket: BUCKETS.uploads,
      faults,
      chaos,
      names,
      log,
      credentials,
      presigner,
      lifecycle,
      modes,
      spoolDir,
      onObjectWritten: (bucket, key) => {
        const upload = store.uploadsByKey.get(`${bucket}/${key}`);
        if (upload) markUploaded(app, upload);
      },
    });
    proxyServer = proxy.server;
    presigner.baseUrl = proxy.url;

    const projects = await seed(app, options.largeProjectSamples ?? 0);

    const api = new Router();
    authRoutes(api, app);
    projectRoutes(api, app);
    uploadRoutes(api, app);
    sampleRoutes(api, app);
    existingSampleRoutes(api, app);
    projectJobRoutes(api, app);
    manifestRoutes(api, app);
    reportRoutes(api, app);
    importRoutes(api, app);

    const control = createControl(app);
    const controlRouter = new Router();
    let apiUrl = '';
    const info = () => ({
      url: apiUrl,
      s3Url: proxy.url,
      apiKey: SEED.apiKey,
      email: SEED.email,
      password: SEED.password,
      mfa: SEED.mfa,
      projects,
      buckets: BUCKETS,
    });
    controlRoutes(controlRouter, control, info);
    const started = await startApiServer(app, api, controlRouter, host, options.port ?? 0);
    apiServer = started.server;
    apiUrl = started.url;

    let closing: Promise<void> | undefined;
    return {
      url: apiUrl,
      s3Url: proxy.url,
      apiKey: SEED.apiKey,
      email: SEED.email,
      password: SEED.password,
      mfa: { ...SEED.mfa },
      projects: { ...projects },
      control,
      close: () => {
        closing ??= shutdown();
        return closing;
      },
    };
  } catch (err) {
    await shutdown().catch(() => undefined);
    throw err;
  }
}
