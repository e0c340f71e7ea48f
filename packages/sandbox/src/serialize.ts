import type { App } from './app.js';
import { isoZ } from './ids.js';
import type { Project, Sample, SampleFile, Store, Upload } from './state.js';

export function sampleListItem(s: Sample): Record<string, unknown> {
  return {
    id: s.id,
    run: s.runId,
    created: isoZ(s.createdMs),
    modified: isoZ(s.modifiedMs),
    hidden: s.hidden,
    client_id: s.clientId,
    physical_id: '',
    legacy_id: '',
    last_status: s.lastStatus,
    archive_last_status: s.archiveStatus,
    failed_qc: s.failedQc,
  };
}

/** JSON text of a list item, cached per sample until one of its visible fields changes. */
export function sampleListJson(s: Sample): string {
  const key = `${s.modifiedMs}|${s.lastStatus.id}|${s.archiveStatus.id}|${s.hidden}|${s.failedQc?.length}`;
  if (s.listJsonKey !== key || s.listJson === undefined) {
    s.listJson = JSON.stringify(sampleListItem(s));
    s.listJsonKey = key;
  }
  return s.listJson;
}

const downloadable = (s: Sample): boolean => /^(available|restored)/.test(s.archiveStatus.status);

export function fileItem(
  app: App,
  file: SampleFile,
  canDownload: boolean,
): Record<string, unknown> {
  const filename = app.modes.hostileFilenames ? `../../${file.filename}` : file.filename;
  let downloadUrl: string | null = null;
  if (canDownload) {
    // A file attached with control.addExternalFiles is served by whoever gave its URL.
    downloadUrl = file.url ?? app.presigner.url(file.bucket, file.key, filename, Date.now());
  }
  return {
    id: file.id,
    s3_path: `s3://${file.bucket}/${file.key}`,
    size: file.size,
    download_url: downloadUrl,
    file_type: file.fileType,
    checksum_sha256: file.sha256,
    shadow_mode: false,
  };
}

export function sampleDetail(app: App, s: Sample): Record<string, unknown> {
  const { run, ...rest } = sampleListItem(s);
  return {
    id: s.id,
    project: s.projectId,
    run,
    ...rest,
    files: s.files.map((f) => fileItem(app, f, downloadable(s))),
  };
}

export function projectItem(app: App, p: Project, withFiles: boolean): Record<string, unknown> {
  const org = app.store.orgs.get(p.orgId);
  let visible = 0;
  let hidden = 0;
  for (const s of p.samples) {
    if (s.deleted) continue;
    if (s.hidden) hidden++;
    else visible++;
  }
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    created: isoZ(p.createdMs),
    modified: isoZ(p.modifiedMs),
    hidden: p.hidden,
    organization: p.orgId,
    organization_name: org?.name ?? '',
    sample_count: visible,
    hidden_sample_count: hidden,
    pipeline_capabilities: p.capabilityId,
    roles: { organization: { id: p.orgId, name: 'owner' } },
    webhook_url: app.webhooks.url,
    ...(withFiles
      ? {
          files: p.files.map((f) => fileItem(app, f, true)),
        }
      : {}),
  };
}

export function uploadItem(u: Upload): Record<string, unknown> {
  return {
    id: u.id,
    destination_path: u.destinationPath,
    s3: { bucket: u.bucket, object_name: u.key },
    last_status: u.lastStatus,
    source: u.source,
    ...(u.sourceUrl ? { source_url: u.sourceUrl } : {}),
  };
}

export function sheetUpload(u: Upload): Record<string, unknown> {
  return {
    upload: u.id,
    destination_path: u.destinationPath,
    last_status: u.lastStatus,
    ...(u.sourceUrl ? { source_url: u.sourceUrl } : {}),
  };
}

export function uploadSnapshot(store: Store, u: Upload) {
  return {
    id: u.id,
    destination_path: u.destinationPath,
    bucket: u.bucket,
    key: u.key,
    status: u.lastStatus.status,
    last_status: { ...u.lastStatus },
    source: u.source,
    source_url: u.sourceUrl,
    client_id: u.clientId,
    read: u.read,
    sample: u.sampleId && store.samples.has(u.sampleId) ? u.sampleId : null,
    deleted: u.deleted,
  };
}

export function sampleSnapshot(s: Sample) {
  return {
    id: s.id,
    project: s.projectId,
    client_id: s.clientId,
    run: s.runId,
    last_status: { ...s.lastStatus },
    archive_last_status: { ...s.archiveStatus },
    failed_qc: s.failedQc ? [...s.failedQc] : null,
    metadata: structuredClone(s.metadata),
    hidden: s.hidden,
    deleted: s.deleted,
    uploads: { ...s.uploads },
    files: s.files.map((f) => ({
      id: f.id,
      file_type: f.fileType,
      bucket: f.bucket,
      key: f.key,
      size: f.size,
      checksum_sha256: f.sha256,
      filename: f.filename,
      ...(f.url !== undefined ? { url: f.url } : {}),
    })),
  };
}
