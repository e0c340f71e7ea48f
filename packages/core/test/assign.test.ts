import { type Sandbox, startSandbox } from '@gencove/sandbox';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GencoveClient } from '../src/client.js';
import { NotFoundError } from '../src/errors.js';
import {
  ASSIGN_BATCH_SIZE,
  type AssignEvent,
  AssignmentError,
  assignByPrefix,
  assignUploadsToProject,
  formatAssignmentOutput,
} from '../src/jobs/assign/index.js';

let sandbox: Sandbox;
let client: GencoveClient;
let run = 0;

beforeAll(async () => {
  sandbox = await startSandbox({ pipeline: 'manual' });
  client = new GencoveClient({
    host: sandbox.url,
    apiKey: sandbox.apiKey,
    retry: { baseDelayMs: 5 },
  });
});

afterAll(async () => {
  await client?.close();
  await sandbox?.close();
});

beforeEach(() => {
  sandbox.control.clearFaults();
  sandbox.control.clearRequests();
});

/** A fresh folder with `samples` paired URL uploads (R2 left out every third sample). */
async function folderWithUploads(
  samples: number,
): Promise<{ destination: string; uploadIds: string[] }> {
  const destination = `gncv://assign-${++run}/`;
  const uploadIds: string[] = [];
  const names: string[] = [];
  for (let i = 0; i < samples; i++) {
    names.push(`S${i}_R1.fastq.gz`);
    if (i % 3 !== 2) names.push(`S${i}_R2.fastq.gz`);
  }
  for (let i = 0; i < names.length; i += 20) {
    const created = await Promise.all(
      names
        .slice(i, i + 20)
        .map((n) => client.createUrlUpload(destination + n, `https://reads.example.test/${n}`)),
    );
    uploadIds.push(...created.map((u) => u.id));
  }
  return { destination, uploadIds };
}

const assignPosts = () =>
  sandbox.control.requests.filter(
    (r) =>
      r.target === 'api' && r.method === 'POST' && r.path.startsWith('/api/v2/project-samples/'),
  );

describe('assignUploadsToProject', () => {
  it('assigns every sheet entry of the run with the metadata and returns the created samples', async () => {
    const { destination, uploadIds } = await folderWithUploads(3);
    const samples = await assignUploadsToProject(client, {
      projectId: sandbox.projects.default,
      destination,
      uploadIds,
      metadata: { plate: 7, lab: 'north' },
    });
    expect(samples.map((s) => s.client_id).sort()).toEqual(['S0', 'S1', 'S2']);
    for (const s of samples) {
      const stored = sandbox.control.getSample(s.sample)!;
      expect(stored.project).toBe(sandbox.projects.default);
      expect(stored.metadata).toEqual({ plate: 7, lab: 'north' });
      expect(stored.uploads.r1).toBe(s.fastq.r1?.upload);
      expect(stored.uploads.r2 ?? undefined).toBe(s.fastq.r2?.upload);
    }
    const single = samples.find((s) => s.client_id === 'S2')!;
    expect(single.fastq).toEqual({ r1: { upload: expect.any(String) } });
    expect(assignPosts()).toHaveLength(1);
  });

  it(`sends batches of ${ASSIGN_BATCH_SIZE} and no empty extra batch`, async () => {
    const exact = await folderWithUploads(ASSIGN_BATCH_SIZE);
    const batches: AssignEvent[] = [];
    const first = await assignUploadsToProject(client, {
      projectId: sandbox.projects.default,
      ...exact,
      onEvent: (e) => batches.push(e),
    });
    expect(first).toHaveLength(ASSIGN_BATCH_SIZE);
    expect(assignPosts()).toHaveLength(1);
    expect(batches.filter((e) => e.type === 'assign-batch')).toEqual([
      { type: 'assign-batch', batch: 1, batches: 1, samples: ASSIGN_BATCH_SIZE },
    ]);

    sandbox.control.clearRequests();
    const over = await folderWithUploads(ASSIGN_BATCH_SIZE + 1);
    const second = await assignUploadsToProject(client, {
      projectId: sandbox.projects.default,
      ...over,
    });
    expect(second).toHaveLength(ASSIGN_BATCH_SIZE + 1);
    expect(assignPosts()).toHaveLength(2);
    expect(new Set(second.map((s) => s.sample)).size).toBe(ASSIGN_BATCH_SIZE + 1);
  }, 60_000);

  it('reports uploads assigned by an earlier run instead of waiting for them (idempotent re-run)', async () => {
    const run1 = await folderWithUploads(2);
    const first = await assignUploadsToProject(client, {
      projectId: sandbox.projects.default,
      ...run1,
    });
    sandbox.control.clearRequests();
    const events: AssignEvent[] = [];
    const again = await assignUploadsToProject(client, {
      projectId: sandbox.projects.default,
      ...run1,
      maxWaitMs: 5_000,
      onEvent: (e) => events.push(e),
    });
    expect(assignPosts()).toHaveLength(0);
    expect(again.map((s) => s.sample).sort()).toEqual(first.map((s) => s.sample).sort());
    expect(events.map((e) => e.type)).toEqual(['assign-already-assigned', 'assign-done']);
  });

  it('polls with backoff and gives up after maxWaitMs naming the missing uploads; nothing is assigned', async () => {
    const { destination, uploadIds } = await folderWithUploads(1);
    const ghost = '00000000-0000-4000-8000-000000000000';
    const events: AssignEvent[] = [];
    const attempt = assignUploadsToProject(client, {
      projectId: sandbox.projects.default,
      destination,
      uploadIds: [...uploadIds, ghost],
      maxWaitMs: 1_500,
      onEvent: (e) => events.push(e),
    });
    await expect(attempt).rejects.toBeInstanceOf(AssignmentError);
    const error = (await attempt.catch((e) => e)) as AssignmentError;
    expect(error.code).toBe('ERR_GENCOVE_ASSIGN_WAIT');
    expect(error.missingUploads).toEqual([ghost]);
    expect(error.message).toContain(
      `gencove projects run-prefix ${sandbox.projects.default} ${destination}`,
    );
    const waits = events.filter((e) => e.type === 'assign-waiting');
    expect(waits.length).toBeGreaterThanOrEqual(2);
    expect(waits[0]).toMatchObject({ found: 2, expected: 3 });
    expect(assignPosts()).toHaveLength(0);
  });

  it('keeps the cause code when nothing could be assigned (unknown project → not found)', async () => {
    const { destination, uploadIds } = await folderWithUploads(1);
    const attempt = assignUploadsToProject(client, {
      projectId: sandbox.projects.other,
      destination,
      uploadIds,
    });
    const error = (await attempt.catch((e) => e)) as AssignmentError;
    expect(error).toBeInstanceOf(AssignmentError);
    expect(error.code).toBe('ERR_GENCOVE_NOT_FOUND');
    expect(error.assigned).toEqual([]);
  });

  it('says which samples were assigned when a later batch fails', async () => {
    const over = await folderWithUploads(ASSIGN_BATCH_SIZE + 1);
    const attempt = assignUploadsToProject(client, {
      projectId: sandbox.projects.default,
      ...over,
      onEvent: (e) => {
        if (e.type === 'assign-batch' && e.batch === 1) {
          sandbox.control.addFault({
            match: { target: 'api', method: 'POST', path: '/api/v2/project-samples/' },
            fault: { type: 'status', status: 400, body: ['Project is missing or not accessible.'] },
          });
        }
      },
    });
    const error = (await attempt.catch((e) => e)) as AssignmentError;
    expect(error).toBeInstanceOf(AssignmentError);
    expect(error.code).toBe('ERR_GENCOVE_ASSIGN_PARTIAL');
    expect(error.assigned).toHaveLength(ASSIGN_BATCH_SIZE);
    expect(error.message).toContain(
      `Only ${ASSIGN_BATCH_SIZE} of ${ASSIGN_BATCH_SIZE + 1} samples`,
    );
  }, 60_000);

  it('does nothing for an empty run', async () => {
    const samples = await assignUploadsToProject(client, {
      projectId: sandbox.projects.default,
      destination: 'gncv://nothing/',
      uploadIds: [],
    });
    expect(samples).toEqual([]);
    expect(sandbox.control.requests).toHaveLength(0);
  });
});

describe('assignByPrefix (projects run-prefix, spec §6.5)', () => {
  it('assigns the unassigned entries that start with the prefix, in batches, with the metadata', async () => {
    const n = ++run;
    const ids: string[] = [];
    for (const path of [
      `gncv://prefix-${n}/plate-1/P1_R1.fastq.gz`,
      `gncv://prefix-${n}/plate-1/P1_R2.fastq.gz`,
      `gncv://prefix-${n}/plate-2/P2_R1.fastq.gz`,
    ]) {
      ids.push((await client.createUrlUpload(path, 'https://reads.example.test/x_R1.fastq.gz')).id);
    }
    // the sheet's search is a case-insensitive substring match: this one is listed, not taken
    const other = await client.createUrlUpload(
      `gncv://PREFIX-${n}/plate-1/X_R1.fastq.gz`,
      'https://reads.example.test/x_R1.fastq.gz',
    );
    const events: AssignEvent[] = [];
    const samples = await assignByPrefix(client, {
      projectId: sandbox.projects.default,
      prefix: `gncv://prefix-${n}/`,
      metadata: { run: n },
      onEvent: (e) => events.push(e),
    });
    expect(samples.map((s) => s.client_id).sort()).toEqual(['P1', 'P2']);
    expect(
      samples
        .flatMap((s) => [s.fastq.r1?.upload, s.fastq.r2?.upload])
        .filter(Boolean)
        .sort(),
    ).toEqual([...ids].sort());
    for (const s of samples)
      expect(sandbox.control.getSample(s.sample)?.metadata).toEqual({ run: n });
    expect(sandbox.control.getUpload(other.id)?.sample).toBeNull();
    expect(assignPosts()).toHaveLength(1);
    expect(events.map((e) => e.type)).toEqual(['assign-batch', 'assign-done']);

    // everything under the prefix is assigned now: an empty selection is an error, nothing sent
    sandbox.control.clearRequests();
    const again = assignByPrefix(client, {
      projectId: sandbox.projects.default,
      prefix: `gncv://prefix-${n}/`,
    });
    await expect(again).rejects.toBeInstanceOf(NotFoundError);
    await expect(again).rejects.toThrow(`No unassigned uploads under gncv://prefix-${n}/`);
    expect(assignPosts()).toHaveLength(0);
  });

  it(`sends ${ASSIGN_BATCH_SIZE + 1} entries in two batches`, async () => {
    const over = await folderWithUploads(ASSIGN_BATCH_SIZE + 1);
    const samples = await assignByPrefix(client, {
      projectId: sandbox.projects.default,
      prefix: over.destination,
    });
    expect(samples).toHaveLength(ASSIGN_BATCH_SIZE + 1);
    expect(assignPosts()).toHaveLength(2);
  }, 60_000);

  it('checks the project and the prefix before listing anything', async () => {
    await expect(
      assignByPrefix(client, { projectId: sandbox.projects.other, prefix: 'gncv://any/' }),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      assignByPrefix(client, { projectId: sandbox.projects.default, prefix: 's3://bucket/' }),
    ).rejects.toMatchObject({ code: 'ERR_GENCOVE_INVALID_ARGUMENT' });
    expect(
      sandbox.control.requests.filter((r) => r.path.startsWith('/api/v2/sample-sheet')),
    ).toHaveLength(0);
  });
});

describe('formatAssignmentOutput (spec §6.4)', () => {
  it('is 4-space pretty JSON without nested nulls', () => {
    const text = formatAssignmentOutput([
      {
        client_id: 'PLT4-B07',
        fastq: { r1: { upload: 'd80e9ffc-efbf-4ef0-99e4-55e0ea13d334' }, r2: null as never },
        sample: '1024c7db-52de-49ff-8ad4-d7fd835cae16',
      },
    ]);
    expect(text).toBe(
      `${[
        '[',
        '    {',
        '        "client_id": "PLT4-B07",',
        '        "fastq": {',
        '            "r1": {',
        '                "upload": "d80e9ffc-efbf-4ef0-99e4-55e0ea13d334"',
        '            }',
        '        },',
        '        "sample": "1024c7db-52de-49ff-8ad4-d7fd835cae16"',
        '    }',
        ']',
      ].join('\n')}\n`,
    );
    expect(formatAssignmentOutput([])).toBe('[]\n');
  });
});
