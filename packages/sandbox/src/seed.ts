import { createHash } from 'node:crypto';
import type { App } from './app.js';
import { seedBaseSpace } from './basespace.js';
import { deliverableContent, deliverableFilename } from './deliverables.js';
import { isoZ, seededId } from './ids.js';
import { mergeInputsKey } from './jobs.js';
import { outcomeFor } from './pipeline.js';
import { failedQcKeys, qcResults } from './qc.js';
import { attachReferenceGenome, seedJointcalledVcf, seedReferenceGenome } from './reference.js';
import { newProject } from './routes/projects.js';
import { newSample } from './sample-factory.js';
import type { Capability, Sample } from './state.js';

export const SEED = {
  email: 'sandbox.user@example.org',
  password: 'sandbox-password',
  apiKey: 'sandbox-api-key-7c1e4b9a2f6d4e08',
  mfa: { email: 'mfa.user@example.org', password: 'sandbox-mfa-password', otpToken: '246810' },
};

export interface SeededProjects {
  default: string;
  empty: string;
  large?: string;
  other: string;
}

const DAY = 24 * 3600 * 1000;

/** Client IDs of the samples seeded into the default project (outcome markers included). */
export const DEFAULT_PROJECT_SEED_SAMPLES = [
  { clientId: 'SEED-A01', archived: false },
  { clientId: 'SEED-A02-FAILQC', archived: false },
  { clientId: 'SEED-A03-FAIL', archived: false },
  { clientId: 'SEED-A04', archived: true },
];

const seedOf = (id: string): number => createHash('sha256').update(id).digest().readUInt32LE(0);

export async function seed(app: App, largeProjectSamples: number): Promise<SeededProjects> {
  const { store } = app;
  const base = store.now() - 30 * DAY;
  const created = isoZ(base);

  const org = { id: seededId('org:main'), name: 'Sandbox Genomics Lab' };
  const otherOrg = { id: seededId('org:other'), name: 'Another Organization' };
  store.orgs.set(org.id, org);
  store.orgs.set(otherOrg.id, otherOrg);

  const users = [
    {
      id: seededId('user:main'),
      email: SEED.email,
      password: SEED.password,
      name: 'Sandbox User',
      orgId: org.id,
      created,
    },
    {
      id: seededId('user:mfa'),
      email: SEED.mfa.email,
      password: SEED.mfa.password,
      name: 'Sandbox MFA User',
      orgId: org.id,
      created,
      otp: SEED.mfa.otpToken,
    },
    {
      id: seededId('user:other'),
      email: 'other.user@example.org',
      password: 'other-password',
      name: 'Other Org User',
      orgId: otherOrg.id,
      created,
    },
  ];
  for (const u of users) {
    store.users.set(u.id, u);
    store.usersByEmail.set(u.email.toLowerCase(), u);
  }
  store.apiKeys.set(SEED.apiKey, users[0]!.id);

  const capability: Capability = {
    id: seededId('capability:low-pass'),
    name: 'Low-pass WGS with imputation',
    key: 'capability-low-pass-imputation',
    private: false,
    merge_vcfs_enabled: true,
    version: 'v3.3.0',
    batchTypes: [
      { key: 'illuminasnp50', description: 'Illumina 50K SNP array emulation' },
      { key: 'illuminahd', description: 'Illumina HD array emulation' },
    ],
  };
  store.capabilities.set(capability.id, capability);
  const fastqOnly: Capability = {
    id: seededId('capability:fastq-only'),
    name: 'FASTQ quality control only',
    key: 'capability-fastq-qc',
    private: false,
    merge_vcfs_enabled: false,
    version: 'v3.3.0',
    batchTypes: [],
  };
  store.capabilities.set(fastqOnly.id, fastqOnly);
  for (const [i, p] of [
    { name: 'pipeline:v3.3.0', version: 'v3.3.0', caps: [capability.id, fastqOnly.id] },
    { name: 'pipeline:v2.9.1', version: 'v2.9.1', caps: [capability.id] },
  ].entries()) {
    const id = seededId(p.name);
    store.pipelines.set(id, {
      id,
      version: p.version,
      createdMs: base - i * 90 * DAY,
      capabilityIds: p.caps,
    });
  }
  await seedReferenceGenome(app, capability);
  seedBaseSpace(store, base);

  const mk = (name: string, key: string, orgId: string, offsetDays: number) => {
    const p = newProject({
      id: seededId(`project:${key}`),
      name,
      description: `Seeded by gencove-sandbox (${key}).`,
      orgId,
      capabilityId: capability.id,
      createdMs: base + offsetDays * DAY,
    });
    store.projects.set(p.id, p);
    attachReferenceGenome(store, p);
    return p;
  };
  const defaultProject = mk('Sandbox default project', 'default', org.id, 1);
  const emptyProject = mk('Sandbox empty project', 'empty', org.id, 2);
  const otherProject = mk('Other organization project', 'other', otherOrg.id, 3);

  // project-level deliverable (merged VCF) of the default project
  const merged = deliverableContent('impute-vcf-merged', defaultProject.id, 'merged');
  const mergedName = deliverableFilename(defaultProject.id, 'impute-vcf-merged');
  const mergedKey = `projects/${defaultProject.id}/${mergedName}`;
  await app.objects.put(app.buckets.results, mergedKey, merged);
  const mergedFile = {
    id: seededId(`file:${defaultProject.id}:merged`),
    fileType: 'impute-vcf-merged',
    bucket: app.buckets.results,
    key: mergedKey,
    size: merged.length,
    sha256: createHash('sha256').update(merged).digest('hex'),
    filename: mergedName,
  };
  defaultProject.files.push(mergedFile);
  store.files.set(mergedFile.id, { project: defaultProject, file: mergedFile });

  // a few finished samples in the default project (deliverables written now)
  for (const [i, spec] of DEFAULT_PROJECT_SEED_SAMPLES.entries()) {
    const sample = seededSample(app, defaultProject.id, `seed:${i}`, spec.clientId, base + DAY + i);
    const outcome = outcomeFor(spec.clientId);
    finish(app, sample, outcome.status, outcome.note, base + 2 * DAY + i);
    if (spec.archived)
      sample.archiveStatus = store.archiveStatus('archived', null, base + 20 * DAY);
    store.addSample(defaultProject, sample);
    if (outcome.status !== 'failed') await app.pipeline.generateDeliverables(sample);
  }

  await seedJointcalledVcf(
    app,
    defaultProject,
    DEFAULT_PROJECT_SEED_SAMPLES.map((s) => s.clientId),
  );
  // the seeded merged VCF is the output of a finished merge job over the seeded samples
  store.mergeJobs.set(defaultProject.id, {
    id: seededId(`merge:${defaultProject.id}`),
    projectId: defaultProject.id,
    userId: users[0]!.id,
    createdMs: base + 3 * DAY,
    lastStatus: store.status('succeeded', '', base + 3 * DAY),
    stageStart: 0,
    finishing: false,
    files: [mergedFile],
    inputs: mergeInputsKey(defaultProject),
  });

  let large: string | undefined;
  if (largeProjectSamples > 0) {
    const project = mk('Sandbox large project', 'large', org.id, 4);
    large = project.id;
    for (const t of project.fileTypes) project.presentTypes.add(t);
    for (let i = 0; i < largeProjectSamples; i++) {
      const kind = i % 20;
      const clientId = `LRG-${String(i).padStart(5, '0')}${kind === 14 || kind === 15 ? '-FAILQC' : kind === 16 ? '-FAIL' : ''}`;
      const createdMs = base + 5 * DAY + i * 60_000;
      const sample = seededSample(app, project.id, `large:${i}`, clientId, createdMs);
      sample.metadata = { batch: `batch-${i % 10}`, plate: Math.floor(i / 96) + 1 };
      if (kind === 17 || kind === 18) {
        sample.lastStatus = store.status('running', '', createdMs + 1000);
        sample.modifiedMs = createdMs + 1000;
      } else {
        const outcome = outcomeFor(clientId);
        finish(app, sample, outcome.status, outcome.note, createdMs + 3_600_000 + (i % 97) * 1000);
        sample.lazyDeliverables = outcome.status !== 'failed';
      }
      if (kind === 19)
        sample.archiveStatus = store.archiveStatus('archived', null, createdMs + 10 * DAY);
      if (i % 50 === 49) sample.hidden = true;
      store.addSample(project, sample);
    }
  }

  return {
    default: defaultProject.id,
    empty: emptyProject.id,
    ...(large ? { large } : {}),
    other: otherProject.id,
  };
}

function seededSample(
  app: App,
  projectId: string,
  name: string,
  clientId: string,
  createdMs: number,
): Sample {
  const { store } = app;
  return newSample(store, store.projects.get(projectId)!, {
    id: seededId(`sample:${name}`),
    createdMs,
    runId: seededId(`run:${projectId}`),
    clientId,
    metadata: null,
    uploads: { r1: null, r2: null },
  });
}

function finish(app: App, sample: Sample, outcome: string, note: string, at: number): void {
  sample.lastStatus = app.store.status(outcome, note, at);
  sample.modifiedMs = at;
  sample.qc = qcResults(outcome, seedOf(sample.id));
  sample.failedQc = failedQcKeys(outcome);
}
