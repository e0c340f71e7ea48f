/**
 * Limit/offset pagination (spec §1.7): the first request sends `offset=0&limit=200`
 * with the caller's own filters; the next offset is taken from `meta.next` (only the
 * `offset` parameter — our own parameters are re-sent); iteration stops when
 * `meta.next` is null or absent.
 */
import { ResponseShapeError } from './errors.js';
import type { PageEnvelope } from './models.js';

export const DEFAULT_PAGE_SIZE = 200;

export interface Page<T> {
  items: T[];
  /** `meta.count` — total number of matching items, when the server sent it. */
  count?: number;
  /** Offset this page was requested with. */
  offset: number;
  /** Offset of the next page, or undefined on the last page. */
  nextOffset?: number;
}

export type PageFetcher<T> = (
  offset: number,
  limit: number,
  signal?: AbortSignal,
) => Promise<PageEnvelope<T>>;

export interface PaginatedOptions {
  pageSize?: number;
  signal?: AbortSignal;
  /** `METHOD /path` for error messages. */
  endpoint?: string;
}

/**
 * Extract the next offset from `meta.next`. Returns undefined for null/absent.
 * Throws {@link ResponseShapeError} when `next` is present but unusable (not a URL,
 * no offset, or an offset that does not advance — which would loop forever).
 */
export function nextOffsetFrom(
  next: string | null | undefined,
  currentOffset: number,
  endpoint = 'list endpoint',
): number | undefined {
  if (next === null || next === undefined || next === '') return undefined;
  let offset: number | undefined;
  try {
    const raw = new URL(next, 'http://placeholder.invalid').searchParams.get('offset');
    offset = raw === null ? 0 : Number(raw);
  } catch {
    offset = undefined;
  }
  if (offset === undefined || !Number.isInteger(offset) || offset <= currentOffset) {
    throw new ResponseShapeError(
      `Unexpected response from ${endpoint}: field "meta.next" does not advance the offset beyond ${currentOffset}`,
      { field: 'meta.next' },
    );
  }
  return offset;
}

/**
 * A lazily fetched, re-iterable listing. `for await (const item of listing)` yields
 * items; `listing.pages()` yields whole pages with `count`.
 */
export class Paginated<T> implements AsyncIterable<T> {
  readonly #fetch: PageFetcher<T>;
  readonly #pageSize: number;
  readonly #signal: AbortSignal | undefined;
  readonly #endpoint: string | undefined;

  constructor(fetchPage: PageFetcher<T>, options: PaginatedOptions = {}) {
    this.#fetch = fetchPage;
    this.#pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    this.#signal = options.signal;
    this.#endpoint = options.endpoint;
  }

  /** Iterate page by page, starting at offset 0. */
  async *pages(): AsyncGenerator<Page<T>, void, undefined> {
    let offset: number | undefined = 0;
    while (offset !== undefined) {
      const envelope = await this.#fetch(offset, this.#pageSize, this.#signal);
      const meta = envelope.meta ?? undefined;
      const nextOffset = nextOffsetFrom(meta?.next, offset, this.#endpoint);
      const page: Page<T> = {
        items: envelope.results,
        offset,
        ...(typeof meta?.count === 'number' ? { count: meta.count } : {}),
        ...(nextOffset !== undefined ? { nextOffset } : {}),
      };
      yield page;
      offset = nextOffset;
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for await (const page of this.pages()) yield* page.items;
  }

  /** Collect every item (optionally stopping after `max`). */
  async toArray(max = Number.POSITIVE_INFINITY): Promise<T[]> {
    const out: T[] = [];
    for await (const item of this) {
      if (out.length >= max) break;
      out.push(item);
    }
    return out;
  }

  /** The first page only (cheap way to read `count`). */
  async firstPage(): Promise<Page<T>> {
    for await (const page of this.pages()) return page;
    return { items: [], offset: 0 };
  }
}
