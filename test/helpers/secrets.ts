/**
 * Leak checks: a secret must not appear in any output, in any of the forms it could take there
 * (verbatim, URL-encoded, JSON-escaped).
 */
function forms(secret: string): string[] {
  return [...new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)])];
}

export interface Leak {
  where: string;
  secret: string;
  context: string;
}

/** Every place (of `sources`) where one of `secrets` occurs; short secrets are ignored. */
export function findLeaks(
  sources: Array<{ where: string; text: string }>,
  secrets: Iterable<string>,
): Leak[] {
  const leaks: Leak[] = [];
  const list = [...new Set(secrets)].filter((s) => s.length >= 8);
  for (const { where, text } of sources) {
    for (const secret of list) {
      for (const form of forms(secret)) {
        const at = text.indexOf(form);
        if (at >= 0) {
          const shown = `${secret.slice(0, 4)}…`;
          leaks.push({
            where,
            secret: shown,
            context: text.slice(Math.max(0, at - 60), at).replace(/\s+/g, ' '),
          });
          break;
        }
      }
    }
  }
  return leaks;
}
