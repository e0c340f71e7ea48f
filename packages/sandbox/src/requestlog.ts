import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultTarget, RequestLogEntry } from './types.js';

/** Maximum entries kept; the oldest are dropped beyond it. */
const MAX_ENTRIES = 500_000;

export class RequestLog {
  entries: RequestLogEntry[] = [];

  /** Records a request at arrival; its status is filled in when the response ends. */
  record(
    target: FaultTarget,
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
  ): RequestLogEntry {
    const entry: RequestLogEntry = {
      target,
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      status: 0,
      at: Date.now(),
    };
    this.entries.push(entry);
    if (this.entries.length > MAX_ENTRIES)
      this.entries.splice(0, this.entries.length - MAX_ENTRIES);
    const done = (): void => {
      entry.status = res.headersSent ? res.statusCode : 0;
    };
    res.once('finish', done);
    res.once('close', done);
    return entry;
  }

  clear(): void {
    this.entries = [];
  }
}
