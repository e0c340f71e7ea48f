import { deliverableFilename } from './deliverables.js';
import { SYNTHETIC_FILE_TYPES } from './filetypes.js';
import { newId } from './ids.js';
import { isLoopbackHost } from './loopback.js';
import type { SampleFile, Store } from './state.js';
import type { ExternalFile } from './types.js';

const FILE_TYPE_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const SHA256_RE = /^[0-9a-f]{64}$/;

/** Checks one entry (also when it comes as JSON over the control API); throws with the reason. */
export function checkExternalFile(value: unknown, index: number): ExternalFile {
  const at = `files[${index}]`;
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`${at} must be an object`);
  }
  const { fileType, size, sha256 = '', url, filename } = value as Record<string, unknown>;
  if (typeof fileType !== 'string' || !FILE_TYPE_RE.test(fileType)) {
    throw new Error(`${at}.fileType must be a deliverable key such as "alignment-bam"`);
  }
  if (SYNTHETIC_FILE_TYPES.includes(fileType)) {
    throw new Error(`${at}.fileType "${fileType}" is built by clients, not a deliverable`);
  }
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw new Error(`${at}.size must be a whole number of bytes`);
  }
  if (typeof sha256 !== 'string' || (sha256 !== '' && !SHA256_RE.test(sha256.toLowerCase()))) {
    throw new Error(`${at}.sha256 must be 64 hex digits or ""`);
  }
  let parsed: URL;
  try {
    parsed = new URL(String(url));
  } catch {
    throw new Error(`${at}.url is not a URL`);
  }
  if (typeof url !== 'string' || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new Error(`${at}.url must be an http or https URL`);
  }
  // The sandbox hands out no address off this machine: clients under test stay on loopback.
  if (!isLoopbackHost(parsed.hostname)) {
    throw new Error(`${at}.url must point at a loopback host (127.0.0.1, ::1, localhost)`);
  }
  if (filename !== undefined && (typeof filename !== 'string' || filename === '')) {
    throw new Error(`${at}.filename must be a non-empty string when given`);
  }
  return {
    fileType,
    size,
    sha256: sha256.toLowerCase(),
    url,
    ...(filename !== undefined ? { filename: filename as string } : {}),
  };
}

/**
 * `control.addExternalFiles`: validates every entry first (nothing changes on an error), then
 * adds them to the sample, each replacing the sample's file of the same type.
 */
export function addExternalFiles(
  store: Store,
  resultsBucket: string,
  sampleId: string,
  files: unknown,
): void {
  const sample = store.samples.get(sampleId);
  if (!sample || sample.deleted) throw new Error(`unknown sample ${sampleId}`);
  if (!Array.isArray(files) || files.length === 0) {
    throw new Error('files must be a non-empty list');
  }
  const checked = files.map(checkExternalFile);
  const types = new Set(checked.map((f) => f.fileType));
  if (types.size !== checked.length) throw new Error('each fileType may appear only once');
  const project = store.projects.get(sample.projectId);
  for (const f of checked) {
    const lastSegment = new URL(f.url).pathname.split('/').at(-1) ?? '';
    let fromUrl = '';
    try {
      fromUrl = decodeURIComponent(lastSegment);
    } catch {
      fromUrl = lastSegment;
    }
    const filename = f.filename ?? (fromUrl || deliverableFilename(sample.id, f.fileType));
    const file: SampleFile = {
      id: newId(),
      fileType: f.fileType,
      bucket: resultsBucket,
      key: `deliverables/${sample.id}/${filename}`,
      size: f.size,
      sha256: f.sha256 ?? '',
      filename,
      url: f.url,
    };
    store.addSampleFile(sample, file);
    project?.presentTypes.add(f.fileType);
  }
  store.touchSample(sample);
}
