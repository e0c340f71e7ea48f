import type { Store } from '../state.js';
import { nameIds } from './operations.js';

/**
 * Stable names for what a request is about, so that chaos keys mean the same thing in two runs
 * although the sandbox hands out random IDs: a sample is named by its client ID, an upload by its
 * destination path, a project by its name, a file by its sample and type, a user by e-mail, an
 * organization by name. Unknown IDs become `{id}`.
 */
export class ResourceNames {
  constructor(private readonly store: Store) {}

  id(id: string): string {
    const lower = id.toLowerCase();
    const sample = this.store.samples.get(lower);
    if (sample) return `sample:${sample.clientId}`;
    const upload = this.store.uploads.get(lower);
    if (upload) return `upload:${upload.destinationPath}`;
    const project = this.store.projects.get(lower);
    if (project) return `project:${project.name}`;
    const user = this.store.users.get(lower);
    if (user) return `user:${user.email}`;
    const org = this.store.orgs.get(lower);
    if (org) return `org:${org.name}`;
    const file = this.store.files.get(lower);
    if (file) {
      const owner = file.sample ? file.sample.clientId : (file.project?.name ?? '');
      return `file:${owner}/${file.file.fileType}`;
    }
    const batch = this.store.batches.get(lower);
    if (batch) return `batch:${this.store.projects.get(batch.projectId)?.name ?? ''}/${batch.name}`;
    const manifest = this.store.manifests.get(lower);
    if (manifest) {
      return `manifest:${this.store.projects.get(manifest.projectId)?.name ?? ''}/${manifest.fileName}`;
    }
    return '{id}';
  }

  /** API: the IDs of the path, plus the destination path of upload registrations. */
  api(path: string, body: unknown): string {
    const named = [...path.matchAll(/[0-9a-f]{8}-?(?:[0-9a-f]{4}-?){3}[0-9a-f]{12}/gi)].map((m) =>
      this.id(m[0]),
    );
    const destination = (body as { destination_path?: unknown } | null)?.destination_path;
    if (typeof destination === 'string') named.push(destination);
    return named.join(' ');
  }

  /** S3: `/bucket/key` with IDs named, plus the part number of multipart part uploads. */
  s3(path: string, query: URLSearchParams): string {
    let decoded = path;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      // keep it encoded
    }
    const part = query.get('partNumber');
    return `${nameIds(decoded, (id) => this.id(id))}${part ? `#part=${part}` : ''}`;
  }
}
