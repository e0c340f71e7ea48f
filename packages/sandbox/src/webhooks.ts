import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { ChaosEngine } from './chaos/engine.js';
import { isoZ, newId } from './ids.js';
import type { Lifecycle } from './lifecycle.js';
import { isLoopbackHost } from './loopback.js';
import type { WebhookDelivery } from './types.js';

/** Lowercase hex HMAC-SHA512 of `<t>.<raw body>` keyed with the secret (spec §12). */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return createHmac('sha512', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
}

/** Value of the `Gencove-Signature` header. */
export function webhookSignatureHeader(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${signWebhook(secret, timestamp, body)}`;
}

export interface WebhookEvent {
  event_id: string;
  event_type: string;
  timestamp: string;
  payload: unknown;
}

/** How long chaos holds an event back at most, waiting for a later one to overtake it. */
const REORDER_HOLD_MS = 1000;

/**
 * Best-effort signed webhook sender (no retries; a dead receiver never breaks the sandbox). Under
 * chaos, events may be delivered twice (same event_id and body) or held back until the next event
 * has been sent (out of order).
 */
export class Webhooks {
  readonly deliveries: WebhookDelivery[] = [];
  private held: Array<() => void> = [];

  constructor(
    private readonly config: { url: string; secret: string } | undefined,
    private readonly lifecycle: Lifecycle,
    private readonly chaos?: ChaosEngine,
  ) {
    if (config && !isLoopbackHost(new URL(config.url).hostname)) {
      throw new Error('webhook.url must point at a loopback host (127.0.0.1, ::1, localhost)');
    }
  }

  get url(): string | null {
    return this.config?.url ?? null;
  }

  emit(eventType: string, payload: unknown, nowMs: number): void {
    if (!this.config || this.lifecycle.closed) return;
    const event: WebhookEvent = {
      event_id: newId(),
      event_type: eventType,
      timestamp: isoZ(nowMs),
      payload,
    };
    const body = JSON.stringify([event]);
    const t = Math.floor(Date.now() / 1000);
    const signature = webhookSignatureHeader(this.config.secret, t, body);
    const { url } = this.config;
    const deliver = (): void => {
      const delivery: WebhookDelivery = {
        event_type: eventType,
        url,
        status: 0,
        body,
        signature,
        at: Date.now(),
      };
      this.deliveries.push(delivery);
      this.lifecycle.track(this.post(url, body, signature, delivery));
    };
    const chaos = this.chaos?.decideWebhook(eventType) ?? { duplicate: false, reorder: false };
    const send = (): void => {
      deliver();
      if (chaos.duplicate) deliver();
    };
    if (chaos.reorder) {
      this.held.push(send);
      this.lifecycle.track(this.lifecycle.sleep(REORDER_HOLD_MS).then(() => this.flushHeld()));
      return;
    }
    send();
    this.flushHeld();
  }

  /** Sends the events chaos held back (after a later one, or when the hold time is over). */
  private flushHeld(): void {
    const held = this.held;
    this.held = [];
    if (this.lifecycle.closed) return;
    for (const send of held) send();
  }

  private post(
    url: string,
    body: string,
    signature: string,
    delivery: WebhookDelivery,
  ): Promise<void> {
    return new Promise((resolve) => {
      const target = new URL(url);
      const client = target.protocol === 'https:' ? https : http;
      const req = client.request(target, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': String(Buffer.byteLength(body)),
          'Gencove-Signature': signature,
          'User-Agent': 'gencove-sandbox-webhooks',
        },
        timeout: 10_000,
        signal: this.lifecycle.abort.signal,
      });
      req.on('response', (res) => {
        delivery.status = res.statusCode ?? 0;
        res.resume();
        res.on('end', resolve);
        res.on('error', () => resolve());
      });
      req.on('timeout', () => req.destroy(new Error('receiver did not answer in time')));
      req.on('error', (err) => {
        delivery.error = err.message;
        resolve();
      });
      req.end(body);
    });
  }
}
