import { isSensitiveQueryParam, SecretScrubber } from '@gencove/core';

/**
 * Every secret the action learns goes through here: the runner is told to mask it
 * (`::add-mask::`, which must precede any other output containing it) and the local scrubber
 * removes it from everything this action itself prints, in case the runner's masking misses a
 * variant (URL-encoded, JSON-escaped, one line of a multi-line value).
 */
export class SecretMasker {
  readonly scrubber = new SecretScrubber();
  readonly #announce: (secret: string) => void;
  readonly #seen = new Set<string>();

  constructor(announce: (secret: string) => void) {
    this.#announce = announce;
  }

  add(secret: string | undefined): void {
    if (secret === undefined || secret.length < 3) return;
    for (const variant of variants(secret)) {
      if (variant.length < 3 || this.#seen.has(variant)) continue;
      this.#seen.add(variant);
      this.#announce(variant);
    }
    this.scrubber.add(secret);
  }

  /** Masks the signature and credential parameters of a presigned URL (not the whole URL). */
  addUrlSignatures(url: string): void {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return;
    }
    for (const [name, value] of parsed.searchParams) {
      if (isSensitiveQueryParam(name)) this.add(value);
    }
  }

  text(input: string): string {
    return this.scrubber.text(input);
  }
}

function variants(secret: string): string[] {
  const out = [secret, ...secret.split(/\r?\n/).map((line) => line.trim())];
  const encoded = encodeURIComponent(secret);
  if (encoded !== secret) out.push(encoded);
  const escaped = JSON.stringify(secret).slice(1, -1);
  if (escaped !== secret) out.push(escaped);
  return out;
}
