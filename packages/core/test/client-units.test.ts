import { describe, expect, it } from 'vitest';
import type { TransportResponse } from '../src/index.js';
import {
  AuthenticationError,
  DEFAULT_ENDPOINT_RETRY_RULES,
  errorFromResponse,
  formatGencoveTimestamp,
  HttpError,
  InvalidArgumentError,
  isGencoveTimestamp,
  MaintenanceError,
  NetworkError,
  NotFoundError,
  nextOffsetFrom,
  normalizeUuid,
  PermissionError,
  parseErrorBody,
  parseGencoveTimestamp,
  parseRetryAfter,
  RateLimitError,
  ResponseShapeError,
  RetryPolicy,
  ServerError,
  serializeAssignableEntry,
  TimeoutError,
  ValidationError,
} from '../src/index.js';

const ctx = { method: 'GET', endpoint: '/api/v2/samples/abc', scrub: (s: string) => s };
function res(
  status: number,
  body: string,
  headers: Record<string, string> = {},
): TransportResponse {
  return {
    status,
    reason: 'Reason',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  };
}

describe('timestamps (§1.8)', () => {
  it.each([
    ['2026-01-05T09:14:03.118204Z', '2026-01-05T09:14:03.118Z'],
    ['2026-01-05T09:14:03Z', '2026-01-05T09:14:03.000Z'],
    ['2026-01-05 09:14:03.118204+00:00', '2026-01-05T09:14:03.118Z'],
    ['2026-01-05 09:14:03+00:00', '2026-01-05T09:14:03.000Z'],
    ['2050-01-01T00:00:00+00:00', '2050-01-01T00:00:00.000Z'],
    ['2026-02-01 18:00:00', '2026-02-01T18:00:00.000Z'],
    ['2026-01-05T11:14:03+02:00', '2026-01-05T09:14:03.000Z'],
    ['2026-01-05T11:14:03+0200', '2026-01-05T09:14:03.000Z'],
  ])('parses %s', (input, iso) => {
    expect(isGencoveTimestamp(input)).toBe(true);
    expect(parseGencoveTimestamp(input).toISOString()).toBe(iso);
  });

  it('rejects garbage with InvalidArgumentError', () => {
    expect(() => parseGencoveTimestamp('yesterday')).toThrow(InvalidArgumentError);
    expect(() => parseGencoveTimestamp('2026-13-45T99:00:00Z')).toThrow(InvalidArgumentError);
    // Date would roll these over to the next month
    expect(() => parseGencoveTimestamp('2026-02-30T00:00:00Z')).toThrow(InvalidArgumentError);
    expect(() => parseGencoveTimestamp('2026-04-31 10:00:00')).toThrow(InvalidArgumentError);
    expect(parseGencoveTimestamp('2028-02-29T00:00:00Z').toISOString()).toBe(
      '2028-02-29T00:00:00.000Z',
    );
  });

  it('re-serialises like the reference client (§1.3)', () => {
    expect(formatGencoveTimestamp('2026-01-05T09:14:09.001200Z')).toBe(
      '2026-01-05T09:14:09.001200+00:00',
    );
    expect(formatGencoveTimestamp('2026-01-05 09:14:03.000000+00:00')).toBe(
      '2026-01-05T09:14:03+00:00',
    );
    expect(formatGencoveTimestamp('2026-01-05T09:14:03.1Z')).toBe(
      '2026-01-05T09:14:03.100000+00:00',
    );
    expect(formatGencoveTimestamp('2026-02-01 18:00:00')).toBe('2026-02-01T18:00:00');
    expect(formatGencoveTimestamp(new Date('2026-01-05T09:14:03.118Z'))).toBe(
      '2026-01-05T09:14:03.118000+00:00',
    );
  });
});

describe('uuid validation', () => {
  it('normalises hex and upper case', () => {
    expect(normalizeUuid('4C0468D4-18DC-471C-9201-2084CD81599B', 'sampleId')).toBe(
      '4c0468d4-18dc-471c-9201-2084cd81599b',
    );
    expect(normalizeUuid('4c0468d418dc471c92012084cd81599b', 'sampleId')).toBe(
      '4c0468d4-18dc-471c-9201-2084cd81599b',
    );
  });
  it('names the argument', () => {
    try {
      normalizeUuid('PLT4-A03', 'sampleId');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidArgumentError);
      expect((e as InvalidArgumentError).argument).toBe('sampleId');
      expect((e as Error).message).toContain('sampleId must be a UUID');
      expect((e as InvalidArgumentError).code).toBe('ERR_GENCOVE_INVALID_ARGUMENT');
    }
  });
});

describe('error responses (§1.5)', () => {
  it('detail', () => {
    const e = errorFromResponse(res(404, '{"detail": "Not found."}'), ctx);
    expect(e).toBeInstanceOf(NotFoundError);
    expect(e.code).toBe('ERR_GENCOVE_NOT_FOUND');
    expect(e.message).toBe('Not found (404) on GET /api/v2/samples/abc: Not found.');
    expect(e.detail).toBe('Not found.');
    expect(e.status).toBe(404);
    expect(e.retryable).toBe(false);
  });

  it('field map', () => {
    const e = errorFromResponse(
      res(400, '{"destination_path": ["Path taken by a deleted upload.", "Use another."], "x": 3}'),
      { ...ctx, method: 'POST', endpoint: '/api/v2/uploads-post-data/' },
    ) as ValidationError;
    expect(e).toBeInstanceOf(ValidationError);
    expect(e.message).toBe(
      'Bad request (400) on POST /api/v2/uploads-post-data/:\n  destination_path: Path taken by a deleted upload. Use another.\n  x: 3',
    );
    expect(e.fieldErrors).toEqual({
      destination_path: ['Path taken by a deleted upload.', 'Use another.'],
      x: ['3'],
    });
  });

  it('bare list', () => {
    const e = errorFromResponse(
      res(400, '["Project is missing or not accessible."]'),
      ctx,
    ) as ValidationError;
    expect(e).toBeInstanceOf(ValidationError);
    expect(e.messages).toEqual(['Project is missing or not accessible.']);
    expect(e.message).toBe(
      'Bad request (400) on GET /api/v2/samples/abc:\n  Project is missing or not accessible.',
    );
  });

  it('JWT 401', () => {
    const e = errorFromResponse(
      res(
        401,
        JSON.stringify({
          detail: 'Given token not valid for any token type',
          code: 'token_not_valid',
          messages: [{ token_class: 'AccessToken', token_type: 'access', message: 'expired' }],
        }),
      ),
      ctx,
    );
    expect(e).toBeInstanceOf(AuthenticationError);
    expect(e.code).toBe('ERR_GENCOVE_AUTH');
    expect(e.message).toBe(
      'Authentication failed (401) on GET /api/v2/samples/abc: Given token not valid for any token type',
    );
  });

  it('maintenance', () => {
    const e = errorFromResponse(
      res(
        503,
        '{"maintenance": true, "maintenance_eta": "2026-02-01 18:00:00", "maintenance_message": "Planned maintenance in progress."}',
      ),
      ctx,
    ) as MaintenanceError;
    expect(e).toBeInstanceOf(MaintenanceError);
    expect(e.eta).toBe('2026-02-01 18:00:00');
    expect(e.maintenanceMessage).toBe('Planned maintenance in progress.');
    expect(e.message).toContain('Planned maintenance in progress. ETA is 2026-02-01 18:00:00');
  });

  it('plain 5xx ignores the body', () => {
    const e = errorFromResponse(
      { ...res(502, '<html>bad gateway</html>'), reason: 'Bad Gateway' },
      ctx,
    );
    expect(e).toBeInstanceOf(ServerError);
    expect(e.retryable).toBe(true);
    expect(e.message).toBe('Server error (502 Bad Gateway) on GET /api/v2/samples/abc');
  });

  it('empty 4xx', () => {
    const e = errorFromResponse(res(403, ''), ctx);
    expect(e).toBeInstanceOf(PermissionError);
    expect(e.message).toBe(
      'Permission denied (403) on GET /api/v2/samples/abc: insufficient permission level for this operation',
    );
    const e2 = errorFromResponse(res(400, ''), ctx);
    expect(e2.message).toBe('Bad request (400) on GET /api/v2/samples/abc');
  });

  it('non-JSON 4xx does not crash', () => {
    const e = errorFromResponse(
      res(400, '<html>oops</html>', { 'content-type': 'text/html' }),
      ctx,
    );
    expect(e).toBeInstanceOf(ValidationError);
    expect(e.message).toBe(
      'Bad request (400) on GET /api/v2/samples/abc: (response body is not JSON, content-type text/html)',
    );
    expect(parseErrorBody('nope').kind).toBe('non-json');
  });

  it('429 with Retry-After; other statuses', () => {
    const e = errorFromResponse(res(429, '{"detail": "Slow down."}', { 'retry-after': '7' }), ctx);
    expect(e).toBeInstanceOf(RateLimitError);
    expect((e as RateLimitError).retryAfterMs).toBe(7000);
    expect(errorFromResponse(res(405, ''), ctx)).toBeInstanceOf(HttpError);
    expect(errorFromResponse(res(405, ''), ctx).code).toBe('ERR_GENCOVE_HTTP');
  });

  it('request id header is kept', () => {
    const e = errorFromResponse(res(404, '', { 'x-request-id': 'req-123' }), ctx);
    expect(e.requestId).toBe('req-123');
  });
});

describe('Retry-After parsing', () => {
  it('seconds, HTTP date, garbage', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('0')).toBe(0);
    const now = Date.parse('2026-01-05T09:00:00Z');
    expect(parseRetryAfter('Mon, 05 Jan 2026 09:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Mon, 05 Jan 2026 08:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('')).toBeUndefined();
  });
});

describe('RetryPolicy', () => {
  const server = () => new ServerError('boom', { status: 500 });
  const get = { method: 'GET', path: '/api/v2/user/' };

  it('full jitter backoff in [0, base·2^n) capped by maxDelayMs', () => {
    const p = new RetryPolicy({ random: () => 0.999999, baseDelayMs: 1000, maxDelayMs: 5000 });
    expect(p.backoffMs(0)).toBe(999);
    expect(p.backoffMs(1)).toBe(1999);
    expect(p.backoffMs(2)).toBe(3999);
    expect(p.backoffMs(3)).toBe(4999);
    expect(new RetryPolicy({ random: () => 0 }).backoffMs(5)).toBe(0);
  });

  it('defaults: 4 attempts for idempotent requests on 5xx', () => {
    const p = new RetryPolicy({ random: () => 0.5 });
    expect(p.decide({ ...get, attempt: 1, elapsedMs: 0, error: server() })).toEqual({
      retry: true,
      delayMs: 500,
      reason: 'server-error',
    });
    expect(p.decide({ ...get, attempt: 4, elapsedMs: 0, error: server() }).retry).toBe(false);
  });

  it('respects the elapsed budget', () => {
    const p = new RetryPolicy({ random: () => 0.5, maxElapsedMs: 1000 });
    expect(p.decide({ ...get, attempt: 1, elapsedMs: 600, error: server() }).retry).toBe(false);
  });

  it('honours Retry-After, gives up when it exceeds the cap', () => {
    const p = new RetryPolicy({ maxRetryAfterMs: 10_000 });
    const e = new RateLimitError('x', { status: 429, retryAfterMs: 3000 });
    expect(p.decide({ ...get, attempt: 1, elapsedMs: 0, error: e })).toMatchObject({
      retry: true,
      delayMs: 3000,
    });
    const long = new RateLimitError('x', { status: 429, retryAfterMs: 3_600_000 });
    expect(p.decide({ ...get, attempt: 1, elapsedMs: 0, error: long }).retry).toBe(false);
  });

  it('does not retry maintenance unless configured', () => {
    const e = new MaintenanceError('m', { status: 503 });
    expect(new RetryPolicy().decide({ ...get, attempt: 1, elapsedMs: 0, error: e }).retry).toBe(
      false,
    );
    expect(
      new RetryPolicy({ retryMaintenance: true }).decide({
        ...get,
        attempt: 1,
        elapsedMs: 0,
        error: e,
      }).retry,
    ).toBe(true);
  });

  it('non-idempotent POST: only certainly-unprocessed failures', () => {
    const p = new RetryPolicy();
    const post = { method: 'POST', path: '/api/v2/projects/' };
    expect(p.decide({ ...post, attempt: 1, elapsedMs: 0, error: server() }).retry).toBe(false);
    const reset = new NetworkError('reset', { networkCode: 'ECONNRESET' });
    expect(p.decide({ ...post, attempt: 1, elapsedMs: 0, error: reset }).retry).toBe(false);
    const refused = new NetworkError('refused', {
      networkCode: 'ECONNREFUSED',
      requestSent: false,
    });
    expect(p.decide({ ...post, attempt: 1, elapsedMs: 0, error: refused }).retry).toBe(true);
    const headers = new TimeoutError('t', { phase: 'headers' });
    expect(p.decide({ ...post, attempt: 1, elapsedMs: 0, error: headers }).retry).toBe(false);
    const connect = new TimeoutError('t', { phase: 'connect' });
    expect(p.decide({ ...post, attempt: 1, elapsedMs: 0, error: connect }).retry).toBe(true);
    const rl = new RateLimitError('x', { status: 429 });
    expect(p.decide({ ...post, attempt: 1, elapsedMs: 0, error: rl }).retry).toBe(true);
  });

  it('assignment is never repeated after an ambiguous failure', () => {
    const p = new RetryPolicy();
    const assign = {
      method: 'POST',
      path: '/api/v2/project-samples/75d75eda-5424-4249-9206-60ecef0c55b1',
    };
    expect(p.ruleFor(assign.method, assign.path)?.name).toBe('project-samples-assign');
    expect(p.decide({ ...assign, attempt: 1, elapsedMs: 0, error: server() }).retry).toBe(false);
    expect(
      p.decide({
        ...assign,
        attempt: 1,
        elapsedMs: 0,
        error: new TimeoutError('t', { phase: 'body' }),
      }).retry,
    ).toBe(false);
  });

  it('uploads-post-data: 429 up to 20 attempts, 5xx up to 10, 400 fatal', () => {
    const p = new RetryPolicy({ random: () => 0 });
    const up = { method: 'POST', path: '/api/v2/uploads-post-data/' };
    const rl = new RateLimitError('x', { status: 429 });
    expect(p.decide({ ...up, attempt: 19, elapsedMs: 0, error: rl }).retry).toBe(true);
    expect(p.decide({ ...up, attempt: 20, elapsedMs: 0, error: rl }).retry).toBe(false);
    expect(p.decide({ ...up, attempt: 9, elapsedMs: 0, error: server() }).retry).toBe(true);
    expect(p.decide({ ...up, attempt: 10, elapsedMs: 0, error: server() }).retry).toBe(false);
    const bad = new ValidationError('x', { status: 400 });
    expect(p.decide({ ...up, attempt: 1, elapsedMs: 0, error: bad }).retry).toBe(false);
  });

  it('uploads-url: bounded by 600 s, not by attempts', () => {
    const p = new RetryPolicy({ random: () => 0 });
    const url = { method: 'POST', path: '/api/v2/uploads-url/' };
    expect(p.decide({ ...url, attempt: 50, elapsedMs: 599_000, error: server() }).retry).toBe(true);
    expect(p.decide({ ...url, attempt: 2, elapsedMs: 600_001, error: server() }).retry).toBe(false);
    const notFound = new NotFoundError('x', { status: 404 });
    expect(p.decide({ ...url, attempt: 1, elapsedMs: 0, error: notFound }).retry).toBe(false);
  });

  it('sample-sheet timeouts: 5 attempts; project-samples listing: 2', () => {
    const p = new RetryPolicy({ random: () => 0 });
    const t = new TimeoutError('t', { phase: 'headers' });
    const sheet = { method: 'GET', path: '/api/v2/sample-sheet/' };
    expect(p.decide({ ...sheet, attempt: 4, elapsedMs: 0, error: t }).retry).toBe(true);
    expect(p.decide({ ...sheet, attempt: 5, elapsedMs: 0, error: t }).retry).toBe(false);
    const list = { method: 'GET', path: '/api/v2/project-samples/abc' };
    expect(p.decide({ ...list, attempt: 1, elapsedMs: 0, error: t }).retry).toBe(true);
    expect(p.decide({ ...list, attempt: 2, elapsedMs: 0, error: t }).retry).toBe(false);
  });

  it('rules are data and user rules come first', () => {
    expect(DEFAULT_ENDPOINT_RETRY_RULES.map((r) => r.name)).toContain('uploads-url');
    const p = new RetryPolicy({
      endpoints: [
        { name: 'mine', method: 'POST', path: /^\/api\/v2\/projects\/$/, idempotent: true },
      ],
    });
    expect(
      p.decide({
        method: 'POST',
        path: '/api/v2/projects/',
        attempt: 1,
        elapsedMs: 0,
        error: server(),
      }).retry,
    ).toBe(true);
  });

  it('execute() sleeps through the injected sleep and reports retries', async () => {
    const delays: number[] = [];
    const events: unknown[] = [];
    const p = new RetryPolicy({
      random: () => 0.5,
      sleep: async (ms) => {
        delays.push(ms);
      },
    });
    let n = 0;
    const out = await p.execute(
      async () => {
        n++;
        if (n < 3) throw server();
        return 'ok';
      },
      { ...get, onRetry: (e) => events.push(e) },
    );
    expect(out).toBe('ok');
    expect(delays).toEqual([500, 1000]);
    expect(events).toEqual([
      { attempt: 1, delayMs: 500, reason: 'server-error', code: 'ERR_GENCOVE_SERVER', status: 500 },
      {
        attempt: 2,
        delayMs: 1000,
        reason: 'server-error',
        code: 'ERR_GENCOVE_SERVER',
        status: 500,
      },
    ]);
  });
});

describe('pagination helpers', () => {
  it('reads the offset from meta.next', () => {
    expect(nextOffsetFrom('https://h/api/v2/x/?limit=200&offset=200&search=a', 0)).toBe(200);
    expect(nextOffsetFrom(null, 0)).toBeUndefined();
    expect(nextOffsetFrom(undefined, 0)).toBeUndefined();
    expect(() => nextOffsetFrom('https://h/api/v2/x/?limit=200', 200)).toThrow(ResponseShapeError);
    expect(() => nextOffsetFrom('https://h/api/v2/x/?offset=200', 200)).toThrow(/meta\.next/);
  });
});

describe('assignment serialisation (§1.3, §6.3)', () => {
  it('drops extras and nested nulls, re-encodes timestamps, lower-cases UUIDs', () => {
    const out = serializeAssignableEntry({
      client_id: 'PLT4-B07',
      fastq: {
        r1: {
          upload: 'D80E9FFC-EFBF-4EF0-99E4-55E0EA13D334',
          destination_path: 'gncv://run-a/PLT4-B07_R1.fastq.gz',
          last_status: {
            id: 'edfcb21f-64f0-4903-8da4-bef5a6850014',
            status: 'succeeded',
            note: null,
            created: '2026-01-05T09:14:06.220931Z',
          },
          source_url: 'https://storage.example.net/x.fastq.gz',
        },
        r2: null,
      },
      sample: null,
      unknown_field: 1,
    });
    expect(out).toEqual({
      client_id: 'PLT4-B07',
      fastq: {
        r1: {
          upload: 'd80e9ffc-efbf-4ef0-99e4-55e0ea13d334',
          destination_path: 'gncv://run-a/PLT4-B07_R1.fastq.gz',
          last_status: {
            id: 'edfcb21f-64f0-4903-8da4-bef5a6850014',
            status: 'succeeded',
            created: '2026-01-05T09:14:06.220931+00:00',
          },
        },
      },
      sample: null,
    });
  });
});
