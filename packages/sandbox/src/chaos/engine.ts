import { validateFault } from '../faults.js';
import type {
  ChaosLogEntry,
  ChaosMatch,
  ChaosOptions,
  ChaosProfile,
  ChaosReport,
  ChaosRule,
  Fault,
  FaultTarget,
} from '../types.js';
import { draws } from './prng.js';
import { CHAOS_PROFILES } from './profiles.js';

/** What the engine needs to know about a request. */
export interface ChaosRequest {
  target: FaultTarget;
  method: string;
  /** `GET samples/{id}` / `PutObject` (see operations.ts). */
  operation: string;
  /** Stable name of what the request is about (see resources.ts). */
  resource: string;
}

interface Active {
  seed: number;
  profile: ChaosProfile;
  label: string;
}

/** Entries kept in the chaos log at most (the oldest are dropped beyond). */
const MAX_LOG = 200_000;

export function resolveProfile(profile: ChaosOptions['profile']): ChaosProfile {
  if (profile === undefined) return CHAOS_PROFILES.flaky;
  if (typeof profile === 'string') {
    const known = CHAOS_PROFILES[profile as keyof typeof CHAOS_PROFILES];
    if (!known) {
      throw new Error(
        `unknown chaos profile "${profile}" (known: ${Object.keys(CHAOS_PROFILES).join(', ')})`,
      );
    }
    return known;
  }
  validateProfile(profile);
  return profile;
}

function validateProfile(profile: ChaosProfile): void {
  if (!profile || typeof profile !== 'object' || !Array.isArray(profile.rules)) {
    throw new Error('a chaos profile needs { name, rules: [...] }');
  }
  for (const rule of profile.rules) {
    if (!rule || typeof rule.match !== 'object') throw new Error('a chaos rule needs a match');
    if ('sequence' in rule) {
      if (!Array.isArray(rule.sequence)) throw new Error('sequence must be a list');
      for (const f of rule.sequence) if (f !== null) validateFault(f);
    } else {
      if (!(rule.probability >= 0 && rule.probability <= 1)) {
        throw new Error('a chaos rule probability must be between 0 and 1');
      }
      if (!Array.isArray(rule.faults) || rule.faults.length === 0) {
        throw new Error('a chaos rule with a probability needs faults');
      }
      for (const f of rule.faults) {
        validateFault(f.fault);
        if (f.weight !== undefined && !(f.weight >= 0)) throw new Error('weights must be >= 0');
      }
    }
  }
  for (const p of [profile.webhooks?.duplicate, profile.webhooks?.reorder]) {
    if (p !== undefined && !(p >= 0 && p <= 1)) {
      throw new Error('webhook chaos probabilities must be between 0 and 1');
    }
  }
}

function operationMatches(pattern: ChaosMatch['operation'], operation: string): boolean {
  if (pattern === undefined) return true;
  if (pattern instanceof RegExp) {
    pattern.lastIndex = 0;
    return pattern.test(operation);
  }
  return Array.isArray(pattern) ? pattern.includes(operation) : pattern === operation;
}

function matches(match: ChaosMatch, req: ChaosRequest): boolean {
  if (match.target && match.target !== req.target) return false;
  if (match.method && match.method.toUpperCase() !== req.method.toUpperCase()) return false;
  if (!operationMatches(match.operation, req.operation)) return false;
  if (match.resource) {
    match.resource.lastIndex = 0;
    if (!match.resource.test(req.resource)) return false;
  }
  return true;
}

function pick(rule: ChaosRule, n: number, u1: number, u2: number): Fault | undefined {
  if ('sequence' in rule) {
    const { sequence } = rule;
    if (sequence.length === 0) return undefined;
    if (n >= sequence.length && !rule.repeat) return undefined;
    return sequence[n % sequence.length] ?? undefined;
  }
  if (u1 >= rule.probability) return undefined;
  const total = rule.faults.reduce((sum, f) => sum + (f.weight ?? 1), 0);
  let point = u2 * total;
  for (const f of rule.faults) {
    point -= f.weight ?? 1;
    if (point < 0) return f.fault;
  }
  return rule.faults.at(-1)?.fault;
}

/**
 * Seeded chaos. Every request belongs to a key (`[label] target operation resource`); the n-th
 * request of a key gets a fault decided by (seed, key, n) alone. So two runs with the same seed
 * and the same inputs get the same faults per key — whatever the interleaving of concurrent
 * requests — and the log of one run can be compared with another's, key by key.
 */
export class ChaosEngine {
  #active: Active | undefined;
  #counts = new Map<string, number>();
  #log: ChaosLogEntry[] = [];

  configure(options: ChaosOptions | null | undefined): void {
    if (!options) {
      this.#active = undefined;
      return;
    }
    if (!Number.isSafeInteger(options.seed)) throw new Error('chaos needs an integer seed');
    const profile = resolveProfile(options.profile);
    this.#active = { seed: options.seed, profile, label: options.label ?? '' };
    // a new phase counts from 0 again; other phases' counts stay in the report under their label
    const label = this.#active.label;
    for (const key of [...this.#counts.keys()]) {
      const own = label ? key.startsWith(this.#prefix(label)) : !key.startsWith('[');
      if (own) this.#counts.delete(key);
    }
  }

  get active(): boolean {
    return this.#active !== undefined;
  }

  #prefix(label: string): string {
    return label ? `[${label}] ` : '';
  }

  #next(key: string): number {
    const n = this.#counts.get(key) ?? 0;
    this.#counts.set(key, n + 1);
    return n;
  }

  #record(entry: Omit<ChaosLogEntry, 'at' | 'label'>, label: string): void {
    this.#log.push({ ...entry, label, at: Date.now() });
    if (this.#log.length > MAX_LOG) this.#log.splice(0, this.#log.length - MAX_LOG);
  }

  /** The fault for this request, or undefined. Counts the request either way. */
  decide(req: ChaosRequest): Fault | undefined {
    const active = this.#active;
    if (!active) return undefined;
    const rule = active.profile.rules.find((r) => matches(r.match, req));
    const key =
      `${this.#prefix(active.label)}${req.target} ${req.operation} ${req.resource}`.trim();
    const n = this.#next(key);
    if (!rule) return undefined;
    const [u1, u2] = draws(active.seed, key, n);
    const fault = pick(rule, n, u1, u2);
    if (fault) {
      this.#record({ key, n, target: req.target, operation: req.operation, fault }, active.label);
    }
    return fault;
  }

  /** Webhook chaos for the next event of this type: send it twice, and/or hold it back. */
  decideWebhook(eventType: string): { duplicate: boolean; reorder: boolean } {
    const active = this.#active;
    const config = active?.profile.webhooks;
    if (!active || !config) return { duplicate: false, reorder: false };
    const key = `${this.#prefix(active.label)}webhook ${eventType}`;
    const n = this.#next(key);
    const [u1, u2] = draws(active.seed, key, n);
    const duplicate = u1 < (config.duplicate ?? 0);
    const reorder = u2 < (config.reorder ?? 0);
    const base = { key, n, target: 'webhook' as const, operation: eventType };
    if (duplicate) this.#record({ ...base, fault: { type: 'duplicate' } }, active.label);
    if (reorder) this.#record({ ...base, fault: { type: 'reorder' } }, active.label);
    return { duplicate, reorder };
  }

  report(): ChaosReport {
    return {
      seed: this.#active?.seed ?? null,
      profile: this.#active?.profile.name ?? null,
      counts: Object.fromEntries(this.#counts),
      faults: [...this.#log],
    };
  }

  /** Forgets counts and log (the configuration stays). */
  reset(): void {
    this.#counts.clear();
    this.#log = [];
  }
}
