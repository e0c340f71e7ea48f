import type { Ctx } from './http.js';

export type Handler = (ctx: Ctx) => Promise<void> | void;

interface Route {
  method: string;
  re: RegExp;
  handler: Handler;
}

/** Minimal path router. Patterns are written without trailing slash; both forms match. */
export class Router {
  private readonly routes: Route[] = [];

  on(method: string, pattern: string, handler: Handler): this {
    const re = new RegExp(`^${pattern.replace(/\/+$/, '')}$`);
    this.routes.push({ method: method.toUpperCase(), re, handler });
    return this;
  }

  /** A handler for path+method; `methodMismatch` when the path exists with other methods only. */
  find(
    method: string,
    path: string,
  ): { handler: Handler; params: string[] } | { methodMismatch: true } | undefined {
    let pathMatched = false;
    for (const route of this.routes) {
      const m = route.re.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (route.method === method || (method === 'HEAD' && route.method === 'GET')) {
        return { handler: route.handler, params: m.slice(1).map(safeDecode) };
      }
    }
    return pathMatched ? { methodMismatch: true } : undefined;
  }
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
