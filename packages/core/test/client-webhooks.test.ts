import { describe, expect, it } from 'vitest';
import {
  computeWebhookSignature,
  parseSignatureHeader,
  signWebhook,
  verifyWebhookSignature,
  WebhookSignatureError,
} from '../src/index.js';

const secret = 'whsec-demo-7f3a';
const body = '[{"event_id": "a"}]';
const v1 =
  '3c1fe524bc3f15ff08bc7b6975d6cc65dd85938d9b6442d8224a94ac9a5f18c3f77bd3b0ba31737defcbda04546355fa81c476320332accdf780ee0fedf7738c';

function reasonOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(WebhookSignatureError);
    expect((e as WebhookSignatureError).code).toBe('ERR_GENCOVE_WEBHOOK_SIGNATURE');
    expect(JSON.stringify(e)).not.toContain(secret);
    return (e as WebhookSignatureError).reason;
  }
  return undefined;
}

describe('webhook signatures (§12)', () => {
  it('matches the spec test vector', () => {
    expect(computeWebhookSignature(secret, body, 1767225600)).toBe(v1);
    expect(signWebhook(secret, body, 1767225600)).toBe(`t=1767225600,v1=${v1}`);
    expect(verifyWebhookSignature({ secret, header: `t=1767225600,v1=${v1}`, body })).toEqual({
      valid: true,
      timestamp: 1767225600,
      signature: v1,
    });
    expect(
      verifyWebhookSignature({ secret, header: `t=1767225600,v1=${v1}`, body: Buffer.from(body) })
        .valid,
    ).toBe(true);
  });

  it('header parsing: whitespace, quotes, order, extra versions', () => {
    expect(
      verifyWebhookSignature({ secret, header: ` v1="${v1}" , t="1767225600" `, body }).valid,
    ).toBe(true);
    expect(
      verifyWebhookSignature({ secret, header: `t=1767225600,v0=abc,v1=deadbeef,v1=${v1}`, body })
        .valid,
    ).toBe(true);
    expect(parseSignatureHeader('t=1,v1=a').items).toEqual([
      ['t', '1'],
      ['v1', 'a'],
    ]);
  });

  it('failures have typed reasons', () => {
    expect(reasonOf(() => verifyWebhookSignature({ secret, header: '', body }))).toBe(
      'malformed-header',
    );
    expect(reasonOf(() => verifyWebhookSignature({ secret, header: 'garbage', body }))).toBe(
      'malformed-header',
    );
    expect(reasonOf(() => verifyWebhookSignature({ secret, header: `v1=${v1}`, body }))).toBe(
      'missing-timestamp',
    );
    expect(
      reasonOf(() => verifyWebhookSignature({ secret, header: 't=1767225600,v2=abc', body })),
    ).toBe('missing-signature');
    expect(
      reasonOf(() => verifyWebhookSignature({ secret, header: `t=1767225601,v1=${v1}`, body })),
    ).toBe('signature-mismatch');
    expect(
      reasonOf(() =>
        verifyWebhookSignature({ secret: 'other', header: `t=1767225600,v1=${v1}`, body }),
      ),
    ).toBe('signature-mismatch');
    expect(
      reasonOf(() =>
        verifyWebhookSignature({ secret, header: `t=1767225600,v1=${v1}`, body: `${body} ` }),
      ),
    ).toBe('signature-mismatch');
  });

  it('no tolerance by default; optional tolerance', () => {
    const header = `t=1767225600,v1=${v1}`;
    const later = (1767225600 + 86_400) * 1000;
    expect(verifyWebhookSignature({ secret, header, body, now: later }).valid).toBe(true);
    expect(
      reasonOf(() =>
        verifyWebhookSignature({ secret, header, body, now: later, toleranceSeconds: 300 }),
      ),
    ).toBe('timestamp-outside-tolerance');
    expect(
      verifyWebhookSignature({
        secret,
        header,
        body,
        now: 1767225700 * 1000,
        toleranceSeconds: 300,
      }).valid,
    ).toBe(true);
  });
});
