import type { CallOptions, ProjectSampleFilters } from '../../client.js';
import type { SampleListItem } from '../../models.js';
import type { Paginated } from '../../pagination.js';
import type { StatusApi } from './poll.js';

/**
 * Every sample of a project matching the filters of spec §7.1, fetched page by page as the
 * iteration proceeds (`for await`, or `.pages()` for whole pages with `count`). The client
 * method already validates the project id and every filter eagerly, so this only names it
 * for the status job; defaults are the official client's (`status=all`,
 * `archive_status=all`, `hidden_status=visible`, `sort_by=modified`, `sort_order=desc`).
 */
export function listSamples(
  client: Pick<StatusApi, 'listProjectSamples'>,
  projectId: string,
  filters: ProjectSampleFilters & CallOptions = {},
): Paginated<SampleListItem> {
  return client.listProjectSamples(projectId, filters);
}
