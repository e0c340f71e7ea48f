import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../src/index.js';
import { type ApiResponse, api, download, type Json } from './helpers.js';

let sb: Sandbox;

beforeAll(async () => {
  sb = await startSandbox({ pipeline: 'manual', largeProjectSamples: 10_000 });
});
afterAll(async () => {
  await sb?.close();
});

describe('large project (10,000 samples)', () => {
  it('pages through every visible sample with absolute next links', async () => {
    let next: string | null =
      `${sb.url}/api/v2/project-samples/${sb.projects.large}?search=&sort_by=modified&sort_order=desc&status=all&archive_status=all&hidden_status=visible&offset=0&limit=200`;
    const seen = new Set<string>();
    let count = -1;
    let pages = 0;
    let lastModified = '9999';
    while (next) {
      const page: ApiResponse<Json> = await api(sb, 'GET', next);
      expect(page.status).toBe(200);
      count = page.body.meta.count;
      for (const s of page.body.results) {
        seen.add(s.id);
        expect(s.modified <= lastModified).toBe(true);
        lastModified = s.modified;
      }
      next = page.body.meta.next;
      if (next) {
        const u = new URL(next);
        expect(u.origin).toBe(sb.url);
        expect(u.searchParams.get('sort_by')).toBe('modified');
        expect(u.searchParams.get('hidden_status')).toBe('visible');
      }
      pages++;
    }
    expect(count).toBe(9_800); // every 50th sample is hidden
    expect(seen.size).toBe(9_800);
    expect(pages).toBe(49);
    const all = await api(
      sb,
      'GET',
      `/api/v2/project-samples/${sb.projects.large}?hidden_status=all&limit=1`,
    );
    expect(all.body.meta.count).toBe(10_000);
  });

  it('status and archive filters partition the project', async () => {
    const count = async (qs: string) =>
      (
        await api(
          sb,
          'GET',
          `/api/v2/project-samples/${sb.projects.large}?hidden_status=all&limit=1&${qs}`,
        )
      ).body.meta.count as number;
    const [succeeded, failedAny, running, completed] = await Promise.all([
      count('status=succeeded'),
      count('status=failed'),
      count('status=running'),
      count('status=completed'),
    ]);
    expect(succeeded + failedAny + running).toBe(10_000);
    expect(running).toBe(1_000);
    expect(failedAny).toBe(1_500);
    expect(completed).toBe(succeeded + 1_000);
    expect(await count('archive_status=archived')).toBe(500);
    expect(await count('search=LRG-00042')).toBe(1);
    expect(await count('search=batch-3')).toBe(1_000);
  });

  it('seeded samples get deliverables lazily on first read', async () => {
    const page = await api(
      sb,
      'GET',
      `/api/v2/project-samples/${sb.projects.large}?status=succeeded&archive_status=available&limit=1`,
    );
    const detail = await api(sb, 'GET', `/api/v2/samples/${page.body.results[0].id}`);
    expect(detail.body.files.length).toBe(5);
    const res = await download(detail.body.files[0].download_url);
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(detail.body.files[0].size);
  });

  it('create-batch without sample_ids splits the finished samples into batches of 96', async () => {
    const res = await api(sb, 'POST', `/api/v2/project-batches/${sb.projects.large}`, {
      name: 'whole project',
      batch_type: 'illuminasnp50',
      sample_ids: [],
    });
    expect(res.status).toBe(201);
    // 8,500 samples have deliverables (succeeded or failed qc), hidden ones included
    expect(res.body.meta.count).toBe(Math.ceil(8_500 / 96));
    const sizes = res.body.results.map((b: { sample_ids: string[] }) => b.sample_ids.length);
    expect(sizes.slice(0, -1).every((n: number) => n === 96)).toBe(true);
    expect(sizes.reduce((a: number, b: number) => a + b, 0)).toBe(8_500);
  });
});
