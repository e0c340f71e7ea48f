import type { Auth } from './auth.js';
import type { ChaosEngine } from './chaos/engine.js';
import type { ResourceNames } from './chaos/resources.js';
import type { FaultRegistry } from './faults.js';
import type { ProjectJobs } from './jobs.js';
import type { Lifecycle } from './lifecycle.js';
import type { Pipeline } from './pipeline.js';
import type { Presigner } from './presign.js';
import type { RequestLog } from './requestlog.js';
import type { CredentialRegistry } from './s3/credentials.js';
import type { ObjectStore } from './s3/objects.js';
import type { DownloadModes } from './s3/proxy.js';
import type { IssuedSecrets } from './secrets.js';
import type { Store } from './state.js';
import type { Webhooks } from './webhooks.js';

export interface Settings {
  accessTokenTtlSeconds: number;
  uploadCredentialsTtlSeconds: number;
  downloadUrlTtlSeconds: number;
}

/** Everything a route handler may use. */
export interface App {
  store: Store;
  auth: Auth;
  settings: Settings;
  presigner: Presigner;
  credentials: CredentialRegistry;
  objects: ObjectStore;
  pipeline: Pipeline;
  jobs: ProjectJobs;
  webhooks: Webhooks;
  faults: FaultRegistry;
  chaos: ChaosEngine;
  names: ResourceNames;
  secrets: IssuedSecrets;
  log: RequestLog;
  lifecycle: Lifecycle;
  modes: DownloadModes;
  buckets: { uploads: string; results: string; external: string };
}
