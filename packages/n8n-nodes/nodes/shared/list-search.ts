import {
  DEFAULT_PAGE_SIZE,
  type GencoveClient,
  nextOffsetFrom,
  normalizeUuid,
  type PageEnvelope,
  ProjectSchema,
  pageSchema,
  SampleListItemSchema,
} from '@gencove/core';
import type {
  ILoadOptionsFunctions,
  INodeListSearchItems,
  INodeListSearchResult,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { type Authentication, createClient } from './client';
import { toNodeError } from './errors';
import { locatorId } from './locators';

/**
 * "From list" of the Project and Sample Resource Locators (`methods.listSearch`). n8n asks for
 * one page at a time and hands back our `paginationToken` for the next one: the token is the API
 * offset of the next page (core's `nextOffsetFrom` reads it from `meta.next`), so scrolling asks
 * the API for each page once.
 *
 * Core's listings always start at offset 0, so a page is requested here through the client's own
 * `request` (auth, retries, redaction stay core's) with core's page schema.
 */

/** API pages read per call while filtering projects by name (the filter is applied here). */
const PROJECT_PAGES_PER_CALL = 5;

async function withClient<T>(
  ctx: ILoadOptionsFunctions,
  run: (client: GencoveClient) => Promise<T>,
): Promise<T> {
  const authentication = (ctx.getCurrentNodeParameter('authentication') ??
    ctx.getNodeParameter('authentication', 'apiKey')) as Authentication;
  const client = await createClient(ctx, authentication);
  try {
    return await run(client);
  } catch (error) {
    throw toNodeError(ctx.getNode(), error);
  } finally {
    await client.close();
  }
}

const offsetOf = (token: string | undefined): number => {
  const offset = Number(token ?? 0);
  return Number.isSafeInteger(offset) && offset >= 0 ? offset : 0;
};

interface PageOf<T> {
  results: T[];
  /** Offset of the next page; undefined on the last. */
  next: number | undefined;
}

async function page<T>(
  client: GencoveClient,
  path: string,
  query: Record<string, string | number | undefined>,
  item: typeof ProjectSchema | typeof SampleListItemSchema,
): Promise<PageOf<T>> {
  const offset = Number(query.offset);
  const envelope = (await client.request({
    path,
    query: { ...query, limit: DEFAULT_PAGE_SIZE },
    schema: pageSchema(item),
  })) as PageEnvelope<T>;
  return {
    results: envelope.results,
    next: nextOffsetFrom(envelope.meta?.next, offset, `GET ${path}`),
  };
}

/**
 * The account's visible projects, in the API's order, whose name or ID contains `filter`
 * (case-insensitive). The projects endpoint documents no search parameter, so the filter is
 * applied to the pages read here; a filtered call reads up to {@link PROJECT_PAGES_PER_CALL}
 * pages to fill a page of matches.
 */
export async function searchProjects(
  this: ILoadOptionsFunctions,
  filter?: string,
  paginationToken?: string,
): Promise<INodeListSearchResult> {
  const wanted = (filter ?? '').trim().toLowerCase();
  return withClient(this, async (client) => {
    const results: INodeListSearchItems[] = [];
    let offset: number | undefined = offsetOf(paginationToken);
    for (let read = 0; offset !== undefined && read < PROJECT_PAGES_PER_CALL; read++) {
      const listed: PageOf<{ id: string; name?: string | null }> = await page(
        client,
        '/api/v2/projects/',
        { hidden_status: 'visible', offset },
        ProjectSchema,
      );
      for (const project of listed.results) {
        const name = project.name?.trim() || project.id;
        if (wanted && !`${name}\n${project.id}`.toLowerCase().includes(wanted)) continue;
        results.push({ name, value: project.id });
      }
      offset = listed.next;
      if (!wanted || results.length >= DEFAULT_PAGE_SIZE) break;
    }
    return { results, ...(offset !== undefined ? { paginationToken: String(offset) } : {}) };
  });
}

/**
 * The visible samples of the project chosen in the node's `projectId` parameter, most recently
 * modified first, named by client ID; `filter` is the API's own search (sample ID, client ID or
 * a metadata substring).
 */
export async function searchSamples(
  this: ILoadOptionsFunctions,
  filter?: string,
  paginationToken?: string,
): Promise<INodeListSearchResult> {
  let projectId: string;
  try {
    projectId = normalizeUuid(
      locatorId(this.getCurrentNodeParameter('projectId'), 'project'),
      'projectId',
    );
  } catch {
    throw new NodeOperationError(
      this.getNode(),
      'Choose the project first: the sample list shows the samples of the Project parameter',
      { description: 'Or enter the sample by ID or by URL.' },
    );
  }
  const search = (filter ?? '').trim();
  return withClient(this, async (client) => {
    const { results, next } = await page<{
      id: string;
      client_id?: string | null;
      last_status?: { status?: string } | null;
    }>(
      client,
      `/api/v2/project-samples/${projectId}`,
      {
        ...(search ? { search } : {}),
        status: 'all',
        archive_status: 'all',
        hidden_status: 'visible',
        sort_by: 'modified',
        sort_order: 'desc',
        offset: offsetOf(paginationToken),
      },
      SampleListItemSchema,
    );
    return {
      results: results.map((sample) => ({
        name: sample.client_id?.trim() || sample.id,
        value: sample.id,
        description: [sample.last_status?.status, sample.id].filter(Boolean).join(' · '),
      })),
      ...(next !== undefined ? { paginationToken: String(next) } : {}),
    };
  });
}
