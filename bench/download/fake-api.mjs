/**
 * The few Gencove API endpoints `gencove download` needs, serving a fixed catalogue whose
 * download URLs point at the static file server of the benchmark (nginx). Loopback only.
 * A benchmark fixture, not an emulator: the sandbox's own S3 (s3rver) would be the bottleneck.
 */
import http from 'node:http';

/**
 * @param {Record<string, Array<{ name: string, size: number, sha256: string, url: string }>>} projects
 *   project id → its files (one sample per file)
 */
export async function startFakeApi(projects) {
  const samples = new Map();
  const byProject = new Map();
  let n = 0;
  for (const [projectId, files] of Object.entries(projects)) {
    const list = [];
    for (const file of files) {
      n++;
      const id = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
      const status = { id, status: 'succeeded', note: '', created: '2026-01-05T11:02:40.118530Z' };
      const sample = {
        id,
        project: projectId,
        client_id: file.name.replace(/\..*$/, ''),
        created: '2026-01-05T09:15:11.640221Z',
        modified: '2026-01-05T11:02:40.118530Z',
        last_status: status,
        archive_last_status: {
          id,
          status: 'available',
          created: '2026-01-05 09:15:11.702410+00:00',
          transition_cutoff: null,
        },
        files: [
          {
            id: `10000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
            file_type: 'alignment-bam',
            size: file.size,
            checksum_sha256: file.sha256,
            download_url: `${file.url}?response-content-disposition=${encodeURIComponent(`attachment; filename=${file.name}`)}&X-Amz-Signature=bench`,
          },
        ],
      };
      samples.set(id, sample);
      list.push(sample);
    }
    byProject.set(projectId, list);
  }
  const send = (res, status, body) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const path = url.pathname.replace(/\/$/, '');
    if (path === '/api/v2/file-types') {
      return send(res, 200, {
        meta: { count: 1, next: null },
        results: [{ key: 'alignment-bam', description: '' }],
      });
    }
    const projectMatch = /^\/api\/v2\/project-samples\/([^/]+)$/.exec(path);
    if (projectMatch) {
      const list = byProject.get(projectMatch[1]);
      if (!list) return send(res, 404, { detail: 'Not found.' });
      const offset = Number(url.searchParams.get('offset') ?? 0);
      const limit = Number(url.searchParams.get('limit') ?? 200);
      const page = list.slice(offset, offset + limit).map(({ files: _f, project: _p, ...s }) => s);
      const next =
        offset + limit < list.length
          ? `${url.origin}${url.pathname}?offset=${offset + limit}&limit=${limit}`
          : null;
      return send(res, 200, { meta: { count: list.length, next, previous: null }, results: page });
    }
    const sampleMatch = /^\/api\/v2\/samples\/([^/]+)$/.exec(path);
    if (sampleMatch) {
      const sample = samples.get(sampleMatch[1]);
      return sample ? send(res, 200, sample) : send(res, 404, { detail: 'Not found.' });
    }
    return send(res, 404, { detail: 'Not found.' });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
