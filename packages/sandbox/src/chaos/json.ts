import type { ChaosOptions, ChaosProfile, ChaosRule } from '../types.js';

type Loose = Record<string, unknown>;

/**
 * Chaos options sent as JSON to the control API: a profile may be a name or an object whose
 * matches carry RegExps as `operationRegex` / `resourceRegex` strings.
 */
export function chaosOptionsFromJson(value: unknown): ChaosOptions {
  const v = (value ?? {}) as Loose;
  const seed = typeof v.seed === 'string' ? Number(v.seed) : v.seed;
  const options: ChaosOptions = { seed: seed as number };
  if (typeof v.label === 'string') options.label = v.label;
  if (typeof v.profile === 'string') options.profile = v.profile as ChaosOptions['profile'];
  else if (v.profile && typeof v.profile === 'object') {
    const p = v.profile as Loose;
    const rules = Array.isArray(p.rules) ? p.rules : [];
    options.profile = {
      ...(p as unknown as ChaosProfile),
      name: typeof p.name === 'string' ? p.name : 'custom',
      rules: rules.map((r) => ruleFromJson(r as Loose)),
    };
  }
  return options;
}

function ruleFromJson(rule: Loose): ChaosRule {
  const match = { ...((rule.match ?? {}) as Loose) };
  if (typeof match.operationRegex === 'string') {
    match.operation = new RegExp(match.operationRegex);
    delete match.operationRegex;
  }
  if (typeof match.resourceRegex === 'string') {
    match.resource = new RegExp(match.resourceRegex);
    delete match.resourceRegex;
  }
  return { ...rule, match } as unknown as ChaosRule;
}
