import type { App } from './app.js';
import { addExternalFiles } from './external-files.js';
import { sampleSnapshot, uploadSnapshot } from './serialize.js';
import type { SandboxControl } from './types.js';

/** In-process control surface (also exposed over HTTP under /_sandbox, see routes/control.ts). */
export function createControl(app: App): SandboxControl {
  const { store, pipeline, faults, log, objects, clock } = { ...app, clock: app.store.clock };
  return {
    async advance(ms: number) {
      clock.advance(ms);
      await pipeline.sync();
    },
    async setSampleStatus(sampleId: string, status: string, note = '') {
      const sample = store.samples.get(sampleId);
      if (!sample) throw new Error(`unknown sample ${sampleId}`);
      await pipeline.setStatus(sample, status, note);
    },
    archiveSamples(ids: string[]) {
      for (const id of ids) {
        const sample = store.samples.get(id);
        if (!sample) throw new Error(`unknown sample ${id}`);
        sample.archiveStatus = store.archiveStatus('archived');
        sample.restoreDue = null;
        store.touchSample(sample);
      }
    },
    async completeRestores() {
      pipeline.completeRestores();
    },
    addFault: (rule) => faults.add(rule),
    removeFault: (id) => faults.remove(id),
    clearFaults: () => faults.clear(),
    get requests() {
      return log.entries;
    },
    clearRequests: () => log.clear(),
    expireAccessTokens: () => app.auth.expireAccessTokens(),
    expireDownloadUrls: () => app.presigner.expireAll(),
    expireUploadCredentials: () => app.credentials.expireAll(),
    deleteUpload(id: string) {
      const upload = store.uploads.get(id);
      if (!upload) throw new Error(`unknown upload ${id}`);
      upload.deleted = true;
      upload.modifiedMs = store.now();
    },
    getUpload(id: string) {
      const upload = store.uploads.get(id);
      return upload ? uploadSnapshot(store, upload) : undefined;
    },
    getSample(id: string) {
      const sample = store.samples.get(id);
      return sample ? sampleSnapshot(sample) : undefined;
    },
    addExternalFiles(sampleId: string, files) {
      addExternalFiles(store, app.buckets.results, sampleId, files);
      return sampleSnapshot(store.samples.get(sampleId)!);
    },
    s3Object: (bucket: string, key: string) => objects.get(bucket, key),
    setHostileFilenames(on: boolean) {
      app.modes.hostileFilenames = on;
    },
    corruptDownloads(on: boolean) {
      app.modes.corrupt = on;
    },
    truncateDownloads(on: boolean) {
      app.modes.truncate = on;
    },
    get webhooks() {
      return app.webhooks.deliveries;
    },
    buckets: app.buckets,
    async putExternalObject(key: string, body: Buffer, ttlSeconds?: number) {
      await objects.put(app.buckets.external, key, body);
      const name = key.split('/').at(-1) ?? key;
      return app.presigner.url(app.buckets.external, key, name, Date.now(), ttlSeconds);
    },
    setChaos: (options) => app.chaos.configure(options),
    chaosReport: () => app.chaos.report(),
    issuedSecrets: () => app.secrets.list(),
  };
}
