import type { IDataObject, INodeExecutionData } from 'n8n-workflow';
import { describe, expect, test } from 'vitest';
import { locatorId, URL_REGEX, UUID_REGEX } from '../nodes/shared/locators';
import { useSandboxAndN8n } from './setup.mjs';

const env = useSandboxAndN8n({ pipeline: 'instant', largeProjectSamples: 450 });

const P = '75d75eda-5424-4249-9206-60ecef0c55b1';
const S = '4c0468d4-18dc-471c-9201-2084cd81599b';
const rl = (mode: 'list' | 'id' | 'url', value: string) => ({ __rl: true, mode, value });
const web = (path: string) => `https://web.gencove.com${path}`;

/** Version 2 of the Gencove node (Resource Locators), as the editor adds it today. */
const run = (parameters: IDataObject, input: INodeExecutionData[] = []) =>
  env.n8n.runNode('gencove', parameters, input, { typeVersion: 2 });

describe('By URL and By ID: the shapes accepted', () => {
  test.each([
    ['a project page', web(`/projects/${P}`), P, undefined],
    ['a page under a project', web(`/projects/${P}/samples?page=2#top`), P, undefined],
    ['a sample page under its project', web(`/projects/${P}/samples/${S}`), P, S],
    ['a sample page', web(`/samples/${S}/`), undefined, S],
    ['the singular segment, 32 hex digits', web(`/project/${P.replaceAll('-', '')}`), P, undefined],
    [
      'another gencove.com host and a port',
      `http://web.eu.gencove.com:8443/app/projects/${P}`,
      P,
      undefined,
    ],
  ])('%s', (_what, url, project, sample) => {
    const id = (kind: 'project' | 'sample') => {
      try {
        return locatorId(rl('url', url), kind).replaceAll('-', '').toLowerCase();
      } catch {
        return undefined;
      }
    };
    expect(id('project')).toBe(project?.replaceAll('-', ''));
    expect(id('sample')).toBe(sample?.replaceAll('-', ''));
    // the editor validates the mode with the same regular expressions (no flags)
    expect(new RegExp(URL_REGEX.project).test(url)).toBe(project !== undefined);
    expect(new RegExp(URL_REGEX.sample).test(url)).toBe(sample !== undefined);
  });

  test.each([
    ['another host', `https://example.org/projects/${P}`],
    ['a look-alike host', `https://gencove.com.example.org/projects/${P}`],
    ['the API path of the project samples', `https://api.gencove.com/api/v2/project-samples/${P}`],
    ['no ID after the segment', web('/projects/new')],
    ['not a URL at all', 'plate-7'],
  ])('refused in URL mode: %s', (_what, url) => {
    expect(() => locatorId(rl('url', url), 'project')).toThrow(
      /Not a Gencove project URL: the address must be on a gencove\.com host and its path must contain \/projects\/<project ID>/,
    );
    expect(new RegExp(URL_REGEX.project).test(url)).toBe(false);
  });

  test('By ID: a UUID, hyphenated or as 32 hex digits, padded or not', () => {
    for (const id of [P, P.toUpperCase(), P.replaceAll('-', ''), ` ${P} `]) {
      expect(new RegExp(UUID_REGEX).test(id)).toBe(true);
    }
    for (const id of ['plate-7', `${P}0`, P.slice(1), '']) {
      expect(new RegExp(UUID_REGEX).test(id)).toBe(false);
    }
  });

  test('every shape a parameter can hold: list, ID, URL, a version 1 string, empty', () => {
    expect(locatorId(rl('list', P), 'project')).toBe(P);
    expect(locatorId(rl('id', ` ${P} `), 'project')).toBe(P);
    expect(locatorId(rl('url', web(`/projects/${P}`)), 'project')).toBe(P);
    expect(locatorId(P, 'project')).toBe(P); // version 1
    expect(locatorId(web(`/projects/${P}/samples/${S}`), 'sample')).toBe(S); // a URL in any mode
    expect(locatorId(rl('id', 'plate-7'), 'project')).toBe('plate-7'); // core says what is wrong
    expect(() => locatorId(rl('list', ''), 'project')).toThrow('No project is selected');
    expect(() => locatorId('   ', 'sample')).toThrow('No sample is selected');
    expect(() => locatorId(undefined, 'sample')).toThrow('No sample is selected');
  });
});

describe('version 2 of the Gencove node: Resource Locators in every operation', () => {
  const seeded = async () => {
    const { items } = await run({
      resource: 'sample',
      operation: 'getAll',
      projectId: rl('url', web(`/projects/${env.sandbox.projects.default}/samples`)),
      returnAll: true,
    });
    return Object.fromEntries(items.map((i) => [String(i.json.client_id), String(i.json.id)]));
  };

  test('project get: from the list, by ID, by URL', async () => {
    const id = env.sandbox.projects.default;
    for (const projectId of [
      rl('list', id),
      rl('id', id.replaceAll('-', '')),
      rl('url', web(`/projects/${id}`)),
    ]) {
      const out = await run({ resource: 'project', operation: 'get', projectId });
      expect(out.error).toBeUndefined();
      expect(out.items.map((i) => i.json.id)).toEqual([id]);
    }
  });

  test('sample and deliverable operations: sample by URL, by ID with an expression', async () => {
    const ids = await seeded();
    expect(ids['SEED-A01']).toBeDefined();
    const project = env.sandbox.projects.default;
    const got = await run({
      resource: 'sample',
      operation: 'get',
      projectId: rl('list', project),
      sampleId: rl('url', web(`/projects/${project}/samples/${ids['SEED-A01']}`)),
    });
    expect(got.items.map((i) => i.json.client_id)).toEqual(['SEED-A01']);
    // the project is only for the list: an operation on a sample does not need it
    const urls = await run(
      {
        resource: 'deliverable',
        operation: 'getUrls',
        sampleId: rl('id', '={{ $json.id }}'),
        fileTypes: 'impute-vcf',
      },
      [{ json: { id: ids['SEED-A01'] } }],
    );
    expect(urls.error).toBeUndefined();
    expect(urls.items[0]!.json).toMatchObject({ gencove_id: ids['SEED-A01'] });
  });

  test('upload: assigned to a project chosen by URL', async () => {
    const out = await run(
      {
        resource: 'upload',
        operation: 'importUrls',
        urlSource: 'fields',
        clientId: 'RL-URL-1',
        r1Url: `${env.sandbox.s3Url}/public/run-19/RL-URL-1_R1.fastq.gz`,
        assign: true,
        projectId: rl('url', web(`/projects/${env.sandbox.projects.empty}`)),
      },
      [{ json: {} }],
    );
    expect(out.error).toBeUndefined();
    const samples = (out.items[0]!.json as { samples: Array<{ client_id: string }> }).samples;
    expect(samples.map((s) => s.client_id)).toEqual(['RL-URL-1']);
  });

  test('a URL that is not a Gencove address: refused before any request', async () => {
    env.sandbox.control.clearRequests();
    const failure = (parameters: IDataObject, input: INodeExecutionData[] = []) =>
      run(parameters, input).then(
        (out) => out.error?.message,
        (error: Error) => error.message,
      );
    const foreign = `https://example.org/projects/${env.sandbox.projects.default}`;
    // typed in: n8n checks the mode's validation before it runs the workflow
    const typed = await failure({
      resource: 'project',
      operation: 'get',
      projectId: rl('url', foreign),
    });
    expect(typed).toMatch(
      /node has issues:\n- Not a Gencove project URL \(its path must contain \/projects\/<project ID>\)/,
    );
    // from an expression (not validated by the editor): the node says which parameter
    const computed = await failure(
      { resource: 'project', operation: 'get', projectId: rl('url', '={{ $json.link }}') },
      [{ json: { link: foreign } }],
    );
    expect(computed).toMatch(/^The parameter "projectId": Not a Gencove project URL/);
    const empty = await failure({ resource: 'sample', operation: 'get', sampleId: rl('list', '') });
    expect(empty).toMatch(/node has issues:\n- Parameter "Sample" is required/);
    expect(env.sandbox.control.requests).toHaveLength(0);
  });

  test('version 1 workflows keep their plain ID fields (a URL works there too)', async () => {
    const id = env.sandbox.projects.default;
    const v1 = await env.n8n.runNode(
      'gencove',
      { resource: 'project', operation: 'get', projectId: id },
      [],
      { typeVersion: 1 },
    );
    expect(v1.items.map((i) => i.json.id)).toEqual([id]);
    const byUrl = await env.n8n.runNode(
      'gencove',
      { resource: 'project', operation: 'get', projectId: web(`/projects/${id}`) },
      [],
      { typeVersion: 1 },
    );
    expect(byUrl.items.map((i) => i.json.id)).toEqual([id]);
  });

  test('the parameters each version shows', () => {
    const type = env.n8n.nodeTypes.get('gencove')!;
    expect(type.description.version).toEqual([1, 2]);
    expect(type.description.defaultVersion).toBe(2);
    const projectParams = type.description.properties.filter((p) => p.name === 'projectId');
    const types = new Set(projectParams.map((p) => p.type));
    expect(types).toEqual(new Set(['string', 'resourceLocator']));
    for (const p of projectParams) {
      const version = p.displayOptions?.show?.['@version'];
      expect(version).toEqual(p.type === 'string' ? [1] : [{ _cnd: { gte: 2 } }]);
    }
  });
});

describe('polling trigger, version 2', () => {
  test('project by URL; the saved state is kept when the same project is entered another way', async () => {
    const id = env.sandbox.projects.default;
    const trigger = env.n8n.poller(
      'gencoveTrigger',
      { projectId: rl('url', web(`/projects/${id.toUpperCase()}`)), statuses: ['succeeded'] },
      { typeVersion: 2 },
    );
    expect(await trigger.poll()).toBeNull(); // the first poll records what exists
    expect(trigger.staticData().watchState).toMatchObject({ projectId: id });

    const other = env.n8n.poller(
      'gencoveTrigger',
      { projectId: rl('id', id.replaceAll('-', '')), statuses: ['succeeded'] },
      { typeVersion: 2 },
    );
    expect(await other.poll()).toBeNull();
    expect(other.staticData().watchState).toMatchObject({ projectId: id });
    // … and the same ID in 32 hex digits on the next poll does not start over (no backlog)
    expect(await other.poll()).toBeNull();
  });
});

describe('"From list": listSearch', () => {
  const search = (
    method: 'searchProjects' | 'searchSamples',
    parameters: IDataObject,
    filter?: string,
    token?: string,
  ) =>
    env.n8n.listSearch('gencove', method, parameters, filter, token, {
      typeVersion: 2,
    });

  test('projects: by name, filtered by name or ID (case-insensitive), paginated', async () => {
    const all = await search('searchProjects', { resource: 'project', operation: 'get' });
    expect(all.results).toEqual(
      expect.arrayContaining([
        { name: 'Sandbox default project', value: env.sandbox.projects.default },
        { name: 'Sandbox empty project', value: env.sandbox.projects.empty },
      ]),
    );
    // another organization's project is not the account's
    expect(all.results.map((r) => r.value)).not.toContain(env.sandbox.projects.other);
    expect(all.paginationToken).toBeUndefined();

    const byName = await search('searchProjects', {}, 'EMPTY proj');
    expect(byName.results.map((r) => r.value)).toEqual([env.sandbox.projects.empty]);
    const byId = await search('searchProjects', {}, env.sandbox.projects.default.slice(0, 13));
    expect(byId.results.map((r) => r.value)).toEqual([env.sandbox.projects.default]);

    // more projects than one API page: the token is the next page's offset
    for (let i = 0; i < 205; i++) {
      const res = await fetch(`${env.sandbox.url}/api/v2/projects/`, {
        method: 'POST',
        headers: {
          Authorization: `Api-Key ${env.sandbox.apiKey}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ name: `Bulk run ${String(i).padStart(3, '0')}` }),
      });
      expect(res.status).toBe(201);
    }
    const first = await search('searchProjects', {});
    expect(first.results).toHaveLength(200);
    expect(first.paginationToken).toBe('200');
    const second = await search('searchProjects', {}, undefined, first.paginationToken);
    expect(second.paginationToken).toBeUndefined();
    const listed = [...first.results, ...second.results].map((r) => r.value);
    expect(new Set(listed).size).toBe(listed.length);
    expect(listed).toContain(env.sandbox.projects.default);
    expect(listed.length).toBeGreaterThanOrEqual(205 + 3);
    // a filter reads further pages to fill its page of matches
    const bulk = await search('searchProjects', {}, 'bulk run 2');
    expect(bulk.results.map((r) => r.name).sort()).toEqual(
      ['200', '201', '202', '203', '204'].map((n) => `Bulk run ${n}`),
    );
    expect(bulk.paginationToken).toBeUndefined();
  });

  test('samples of the chosen project: by client ID, the API search, paginated', async () => {
    const large = env.sandbox.projects.large!;
    const parameters = {
      resource: 'sample',
      operation: 'get',
      projectId: rl('url', web(`/projects/${large}`)),
    };
    const pages = [];
    let token: string | undefined;
    do {
      const page = await search('searchSamples', parameters, undefined, token);
      pages.push(page);
      token = page.paginationToken;
    } while (token && pages.length < 10);
    expect(pages.map((p) => p.results.length)).toEqual([200, 200, 41]); // 450, 9 hidden
    expect(pages.map((p) => p.paginationToken)).toEqual(['200', '400', undefined]);
    const all = pages.flatMap((p) => p.results);
    expect(new Set(all.map((r) => r.value)).size).toBe(441);
    expect(all.every((r) => /^LRG-\d{5}(-FAILQC|-FAIL)?$/.test(r.name))).toBe(true);
    expect(all[0]!.description).toMatch(/^(succeeded|failed qc|failed|running) · [0-9a-f-]{36}$/);

    const one = await search('searchSamples', parameters, 'LRG-00012');
    expect(one.results.map((r) => r.name)).toEqual(['LRG-00012']);
    const byId = await search('searchSamples', parameters, one.results[0]!.value as string);
    expect(byId.results.map((r) => r.value)).toEqual([one.results[0]!.value]);
  });

  test('samples need the project first; the API refusing the project is a node error', async () => {
    await expect(search('searchSamples', { resource: 'sample', operation: 'get' })).rejects.toThrow(
      'Choose the project first: the sample list shows the samples of the Project parameter',
    );
    await expect(
      search('searchSamples', {
        resource: 'sample',
        operation: 'get',
        projectId: rl('id', env.sandbox.projects.other),
      }),
    ).rejects.toMatchObject({ httpCode: '404' });
  });

  test('the polling trigger lists projects too', async () => {
    const out = await env.n8n.listSearch(
      'gencoveTrigger',
      'searchProjects',
      {},
      'default',
      undefined,
      {
        typeVersion: 2,
      },
    );
    expect(out.results.map((r) => r.value)).toEqual([env.sandbox.projects.default]);
  });
});
