import { ApiError } from './errors.js';
import type { Ctx } from './http.js';

export const DEFAULT_LIMIT = 200;
export const MAX_LIMIT = 1000;

function intParam(ctx: Ctx, name: string, fallback: number): number {
  const raw = ctx.query.get(name);
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    throw new ApiError(400, { [name]: ['A valid non-negative integer is required.'] });
  }
  return n;
}

export interface Page<T> {
  meta: { count: number; next: string | null; previous: string | null };
  results: T[];
}

/**
 * DRF LimitOffsetPagination: `limit` (default 200, clamped to 1000; 0 means the default) and
 * `offset`; `next`/`previous` are absolute URLs echoing every other query parameter.
 */
export function paginate<S, T>(ctx: Ctx, items: readonly S[], map: (item: S) => T): Page<T> {
  let limit = intParam(ctx, 'limit', DEFAULT_LIMIT);
  if (limit === 0) limit = DEFAULT_LIMIT;
  limit = Math.min(limit, MAX_LIMIT);
  const offset = intParam(ctx, 'offset', 0);
  const count = items.length;
  const link = (newOffset: number | null): string => {
    const params = new URLSearchParams(ctx.query);
    params.set('limit', String(limit));
    if (newOffset === null || newOffset <= 0) params.delete('offset');
    else params.set('offset', String(newOffset));
    const rawPath = (ctx.req.url ?? '/').split('?')[0];
    return `${ctx.origin}${rawPath}?${params.toString()}`;
  };
  return {
    meta: {
      count,
      next: offset + limit < count ? link(offset + limit) : null,
      previous: offset > 0 ? link(Math.max(0, Math.min(offset, count) - limit)) : null,
    },
    results: items.slice(offset, offset + limit).map(map),
  };
}

/** Validates an enumerated query parameter (DRF "Select a valid choice" error). */
export function choiceParam<T extends string>(
  ctx: Ctx,
  name: string,
  choices: readonly T[],
  fallback: T,
): T {
  const raw = ctx.query.get(name);
  if (raw === null || raw === '') return fallback;
  if (!(choices as readonly string[]).includes(raw)) {
    throw new ApiError(400, {
      [name]: [`Select a valid choice. ${raw} is not one of the available choices.`],
    });
  }
  return raw as T;
}
