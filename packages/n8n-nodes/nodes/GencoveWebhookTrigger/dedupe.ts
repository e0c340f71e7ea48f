/**
 * Deduplication of Gencove webhook events by `event_id` (spec §12): Gencove may deliver an event
 * twice or out of order. A trigger node remembers the ids it has emitted, bounded by count and
 * age, and drops events it has seen. Membership only — no "newest timestamp wins" — so an event
 * that arrives late is still emitted once.
 *
 * Two stores, because n8n's webhook server loads the workflow's static data from its database
 * for every request and saves it after answering: two deliveries of one event that arrive at
 * the same time would both read the same old static data and both start the workflow, and two
 * different events would each save their own id and lose the other's. So the ids live in memory
 * per trigger node (checked and claimed synchronously, so concurrent requests of one n8n process
 * cannot both claim an id) and are mirrored to static data (which survives restarts: memory is
 * filled from it, then both are merged on every request).
 */

/** One remembered event: its id and when it was first accepted (ms since the epoch). */
export interface SeenEvent {
  id: string;
  at: number;
}

export interface DedupeBounds {
  /** Most ids remembered per trigger node; the oldest are forgotten first. At least 1. */
  maxEvents: number;
  /** Ids older than this are forgotten; 0 = no age limit (only `maxEvents`). */
  windowMs: number;
}

export const DEFAULT_MAX_EVENTS = 1000;
export const DEFAULT_WINDOW_HOURS = 168;

/** Key under which the remembered ids are kept in the node's workflow static data. */
export const STATIC_DATA_KEY = 'seenEvents';

/** Ids per trigger node (`<workflow id>/<node id>`) in this n8n process. */
export type DedupeMemory = Map<string, Map<string, number>>;

const processMemory: DedupeMemory = new Map();

/** The memory shared by every request of this process (tests pass their own). */
export function sharedDedupeMemory(): DedupeMemory {
  return processMemory;
}

/** `event_id` as a non-empty string, or undefined when the event has none (never deduplicated). */
export function eventIdOf(event: unknown): string | undefined {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return undefined;
  const id = (event as { event_id?: unknown }).event_id;
  if (typeof id === 'string') return id === '' ? undefined : id;
  if (typeof id === 'number' && Number.isFinite(id)) return String(id);
  return undefined;
}

/** Reads the stored list, skipping anything malformed (an older or hand-edited static data). */
export function readStored(stored: unknown): SeenEvent[] {
  if (!Array.isArray(stored)) return [];
  const out: SeenEvent[] = [];
  for (const entry of stored) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { id, at } = entry as { id?: unknown; at?: unknown };
    if (typeof id === 'string' && id !== '' && typeof at === 'number' && Number.isFinite(at)) {
      out.push({ id, at });
    }
  }
  return out;
}

/** Forgets ids older than the window, then the oldest ids beyond `maxEvents`. */
export function prune(seen: Map<string, number>, now: number, bounds: DedupeBounds): void {
  if (bounds.windowMs > 0) {
    const oldest = now - bounds.windowMs;
    for (const [id, at] of seen) if (at < oldest) seen.delete(id);
  }
  const max = Math.max(1, Math.floor(bounds.maxEvents));
  if (seen.size <= max) return;
  // stable: among equal times the id remembered first goes first
  const byAge = [...seen].sort((a, b) => a[1] - b[1]);
  for (const [id] of byAge.slice(0, seen.size - max)) seen.delete(id);
}

export interface ClaimResult<T> {
  /** The events to emit, in the order received: first sighting of their id, or without an id. */
  fresh: T[];
  /** How many events were dropped as already seen (in earlier deliveries or in this body). */
  duplicates: number;
  /** The list to store in static data when it changed (a new id was claimed), else undefined. */
  store: SeenEvent[] | undefined;
}

/**
 * Claims the ids of `events` for one trigger node. Synchronous on purpose: between reading and
 * claiming no other request of this process can run.
 */
export function claimEvents<T>(options: {
  memory: DedupeMemory;
  key: string;
  /** The node's static data value under {@link STATIC_DATA_KEY} (as loaded for this request). */
  stored: unknown;
  events: readonly T[];
  now: number;
  bounds: DedupeBounds;
}): ClaimResult<T> {
  const { memory, key, events, now, bounds } = options;
  let seen = memory.get(key);
  if (!seen) {
    seen = new Map();
    memory.set(key, seen);
  }
  // static data may hold ids this process does not know (after a restart, or saved by another
  // webhook process); memory may hold ids whose save was lost in a race — keep both
  for (const { id, at } of readStored(options.stored)) {
    const known = seen.get(id);
    if (known === undefined || at < known) seen.set(id, at);
  }
  prune(seen, now, bounds);
  const fresh: T[] = [];
  let duplicates = 0;
  let claimed = false;
  for (const event of events) {
    const id = eventIdOf(event);
    if (id === undefined) {
      fresh.push(event);
      continue;
    }
    if (seen.has(id)) {
      duplicates++;
      continue;
    }
    seen.set(id, now);
    claimed = true;
    fresh.push(event);
  }
  if (claimed) prune(seen, now, bounds);
  return {
    fresh,
    duplicates,
    store: claimed ? [...seen].map(([id, at]) => ({ id, at })) : undefined,
  };
}

/** Drops a trigger node's ids from memory (its static data keeps them). */
export function forgetNode(memory: DedupeMemory, key: string): void {
  memory.delete(key);
}
