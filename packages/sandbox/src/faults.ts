import { newId } from './ids.js';
import type { Fault, FaultRule, FaultTarget } from './types.js';

interface ActiveRule {
  id: string;
  rule: FaultRule;
  remaining: number;
}

const trim = (p: string): string => (p.length > 1 ? p.replace(/\/+$/, '') : p);

function pathMatches(pattern: string | RegExp | undefined, path: string): boolean {
  if (pattern === undefined) return true;
  if (pattern instanceof RegExp) {
    pattern.lastIndex = 0;
    return pattern.test(path);
  }
  return trim(path).startsWith(trim(pattern));
}

/** Fault rules, consulted by the API server and the S3 proxy before a request is handled. */
export class FaultRegistry {
  private rules: ActiveRule[] = [];

  add(rule: FaultRule): string {
    validateRule(rule);
    const id = newId();
    const times = rule.times ?? 1;
    this.rules.push({ id, rule, remaining: times });
    return id;
  }

  remove(id: string): void {
    this.rules = this.rules.filter((r) => r.id !== id);
  }

  clear(): void {
    this.rules = [];
  }

  /** The first matching rule's fault, consuming one of its uses. */
  take(target: FaultTarget, method: string, path: string): Fault | undefined {
    for (const active of this.rules) {
      const { match } = active.rule;
      if (match.target && match.target !== target) continue;
      if (match.method && match.method.toUpperCase() !== method.toUpperCase()) continue;
      if (!pathMatches(match.path, path)) continue;
      active.remaining--;
      if (active.remaining <= 0) this.remove(active.id);
      return active.rule.fault;
    }
    return undefined;
  }
}

function validateRule(rule: FaultRule): void {
  if (!rule || typeof rule !== 'object' || !rule.fault || typeof rule.match !== 'object') {
    throw new Error('a fault rule needs { match, fault }');
  }
  const { times } = rule;
  const whole = Number.isInteger(times) || times === Number.POSITIVE_INFINITY;
  if (times !== undefined && !(whole && times >= 1)) {
    throw new Error("a fault rule's times must be a whole number >= 1, or Infinity");
  }
  validateFault(rule.fault);
}

/** Throws when `fault` is not one of the documented fault shapes. */
export function validateFault(fault: Fault): void {
  if (!fault || typeof fault !== 'object') throw new Error('a fault needs a type');
  switch (fault.type) {
    case 'status':
      if (!Number.isInteger(fault.status) || fault.status < 100 || fault.status > 599) {
        throw new Error('status fault needs an HTTP status');
      }
      if (fault.retryAfter !== undefined && !(fault.retryAfter >= 0)) {
        throw new Error('status fault retryAfter must be a number of seconds >= 0');
      }
      return;
    case 'delay':
      if (!(fault.ms >= 0)) throw new Error('delay fault needs ms >= 0');
      return;
    case 'maintenance':
    case 'reset':
    case 'truncate':
    case 'reset-mid-body':
    case 'corrupt':
    case 'expire-url':
      return;
    case 'expire-credentials':
      if (fault.scope !== undefined && fault.scope !== 'request' && fault.scope !== 'credential') {
        throw new Error("expire-credentials scope must be 'request' or 'credential'");
      }
      return;
    default:
      throw new Error(`unknown fault type ${(fault as { type: string }).type}`);
  }
}

/** Parses a fault rule sent as JSON to the control API (`pathRegex` carries a RegExp source). */
export function ruleFromJson(value: unknown): FaultRule {
  const v = (value ?? {}) as Record<string, unknown>;
  const match = { ...((v.match ?? {}) as Record<string, unknown>) };
  if (typeof match.pathRegex === 'string') {
    match.path = new RegExp(match.pathRegex);
    delete match.pathRegex;
  }
  const times = v.times === null || v.times === 'Infinity' ? Number.POSITIVE_INFINITY : v.times;
  return { match, fault: v.fault, ...(times === undefined ? {} : { times }) } as FaultRule;
}
