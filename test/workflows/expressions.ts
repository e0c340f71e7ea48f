/**
 * The part of GitHub's expression language the workflows here use: context paths
 * (`steps.upload.outputs.sample-ids`, `inputs.run`, `github.sha`), string/number/boolean/null
 * literals, `!`, `==`, `!=`, `&&`, `||` and parentheses, with GitHub's rules — a missing property
 * is null, `||` and `&&` return an operand, strings compare case-insensitively, operands of
 * different types compare as numbers (null and '' are 0). Anything else throws, so that a
 * workflow using more fails its test instead of being half understood.
 */

type Value = string | number | boolean | null | { [key: string]: unknown };

export interface Contexts {
  github: Record<string, string>;
  inputs: Record<string, string>;
  vars: Record<string, string>;
  secrets: Record<string, string>;
  matrix: Record<string, string | number>;
  steps: Record<string, { outputs: Record<string, string> }>;
}

const TOKEN =
  /\s*(?:(?<str>'(?:[^']|'')*')|(?<num>\d+(?:\.\d+)?)|(?<op>==|!=|&&|\|\||!|\(|\)|\.)|(?<word>[A-Za-z_][\w-]*))/y;

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const match = TOKEN.exec(text);
    if (!match) throw new Error(`unsupported expression at "${text.slice(at)}" in: ${text}`);
    tokens.push(match[0].trim());
  }
  return tokens;
}

const truthy = (v: Value) => v !== null && v !== false && v !== 0 && v !== '' && !Number.isNaN(v);

function toNumber(v: Value): number {
  if (v === null) return 0;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return v.trim() === '' ? 0 : Number(v);
  return Number.NaN;
}

function equal(a: Value, b: Value): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  if (typeof a === typeof b && a !== null && typeof a !== 'object') return a === b;
  if (a === null && b === null) return true;
  return toNumber(a) === toNumber(b);
}

export function evaluate(expression: string, contexts: Contexts): Value {
  const inner = /^\s*\$\{\{([\s\S]*)\}\}\s*$/.exec(expression)?.[1] ?? expression;
  const tokens = tokenize(inner);
  let i = 0;
  const peek = () => tokens[i];
  const take = (expected?: string) => {
    const token = tokens[i++];
    if (token === undefined || (expected && token !== expected))
      throw new Error(`expected ${expected ?? 'more'} in: ${inner}`);
    return token;
  };
  const primary = (): Value => {
    const token = take();
    if (token === '(') {
      const value = or();
      take(')');
      return value;
    }
    if (token === '!') return !truthy(primary());
    if (token.startsWith("'")) return token.slice(1, -1).replaceAll("''", "'");
    if (/^\d/.test(token)) return Number(token);
    if (token === 'true' || token === 'false') return token === 'true';
    if (token === 'null') return null;
    if (!(token in contexts)) throw new Error(`unsupported context "${token}" in: ${inner}`);
    let value: unknown = contexts[token as keyof Contexts];
    while (peek() === '.') {
      take('.');
      const key = take();
      value =
        value && typeof value === 'object'
          ? ((value as Record<string, unknown>)[key] ?? null)
          : null;
    }
    if (peek() === '(') throw new Error(`functions are not supported: ${inner}`);
    return value as Value;
  };
  const comparison = (): Value => {
    const left = primary();
    if (peek() === '==' || peek() === '!=') {
      const op = take();
      const same = equal(left, primary());
      return op === '==' ? same : !same;
    }
    return left;
  };
  const and = (): Value => {
    let value = comparison();
    while (peek() === '&&') {
      take();
      const right = comparison();
      value = truthy(value) ? right : value;
    }
    return value;
  };
  const or = (): Value => {
    let value = and();
    while (peek() === '||') {
      take();
      const right = and();
      value = truthy(value) ? value : right;
    }
    return value;
  };
  const value = or();
  if (i !== tokens.length) throw new Error(`unexpected "${tokens[i]}" in: ${inner}`);
  return value;
}

/** A string with every `${{ … }}` replaced by its value, as the runner does before a step runs. */
export function expand(text: string, contexts: Contexts): string {
  return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, inner: string) => {
    const value = evaluate(inner, contexts);
    if (value === null) return '';
    return typeof value === 'object' ? JSON.stringify(value) : String(value);
  });
}
