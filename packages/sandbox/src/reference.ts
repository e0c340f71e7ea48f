import { createHash } from 'node:crypto';
import type { App } from './app.js';
import { tabixIndex } from './deliverables.js';
import { seededId } from './ids.js';
import { multiSampleVcf, referenceGenome } from './project-files.js';
import type { Capability, Project, SampleFile, Store } from './state.js';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/**
 * Stores the reference genome of a capability once (`reference/<capability key>/…` in the
 * results bucket); every project on that capability lists it among its `files` (see
 * attachReferenceGenome), under names of its own as production does.
 */
export async function seedReferenceGenome(app: App, capability: Capability): Promise<void> {
  const templates: Omit<SampleFile, 'id'>[] = [];
  for (const ref of referenceGenome(capability.key)) {
    const key = `reference/${capability.key}/genome${ref.suffix}`;
    await app.objects.put(app.buckets.results, key, ref.body);
    templates.push({
      fileType: ref.fileType,
      bucket: app.buckets.results,
      key,
      size: ref.body.length,
      sha256: sha256(ref.body),
      filename: ref.suffix, // prefixed with `<project id>_<file type>` per project
    });
  }
  app.store.referenceGenomes.set(capability.id, templates);
}

/** Lists the capability's reference genome among the project's files (fresh file IDs). */
export function attachReferenceGenome(store: Store, project: Project): void {
  for (const t of store.referenceGenomes.get(project.capabilityId) ?? []) {
    store.addProjectFile(project, {
      ...t,
      id: seededId(`file:${project.id}:${t.fileType}`),
      filename: `${project.id}_${t.fileType}${t.filename}`,
    });
  }
}

/** A joint-called VCF (and its index) over the project's samples, as project files. */
export async function seedJointcalledVcf(
  app: App,
  project: Project,
  clientIds: readonly string[],
): Promise<void> {
  const vcf = multiSampleVcf(
    `${project.id}:jointcalled`,
    clientIds,
    'gencove-sandbox joint calling',
  );
  const files: Array<[string, string, Buffer]> = [
    ['jointcalled-vcf', `${project.id}.jointcalled.vcf.gz`, vcf],
    ['jointcalled-vcf_indexed', `${project.id}.jointcalled.vcf.gz.tbi`, tabixIndex()],
  ];
  for (const [fileType, filename, body] of files) {
    const key = `projects/${project.id}/${filename}`;
    await app.objects.put(app.buckets.results, key, body);
    app.store.addProjectFile(project, {
      id: seededId(`file:${project.id}:${fileType}`),
      fileType,
      bucket: app.buckets.results,
      key,
      size: body.length,
      sha256: sha256(body),
      filename,
    });
  }
}
