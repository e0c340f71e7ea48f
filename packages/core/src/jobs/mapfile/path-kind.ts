import { hasFastqExtension } from '../destination.js';

/**
 * Spec §3.4: a path is a URL when it parses with scheme http or https and a non-empty host;
 * anything else is a local path. The explicit `//` check keeps `http:reads.fq.gz` local, as
 * Python's urlparse sees no host there while the WHATWG parser would invent one.
 */
export function parseFastqUrl(value: string): URL | undefined {
  if (!/^https?:\/\//i.test(value)) return undefined;
  try {
    const url = new URL(value);
    return url.hostname ? url : undefined;
  } catch {
    return undefined;
  }
}

/** The URL's path (query ignored) ends with a FASTQ extension — case-sensitive, as the spec says. */
export function urlHasFastqExtension(url: URL): boolean {
  return hasFastqExtension(url.pathname, true);
}

/** Shortens a value for a message without hiding what is wrong at its start. */
export function shown(value: string, max = 120): string {
  const text = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(text);
}
