/** Upper bound of remembered secrets (a long benchmark run issues many presigned URLs). */
const MAX_SECRETS = 1_000_000;

/**
 * Every secret value the sandbox hands out (JWTs, upload secret keys and session tokens,
 * presigned-URL signatures) or knows from the start (API key, passwords, webhook secret), so that
 * tests can check that none of them ever shows up in a client's output.
 */
export class IssuedSecrets {
  readonly #values = new Set<string>();

  add(...values: Array<string | undefined>): void {
    for (const value of values) {
      if (!value || this.#values.size >= MAX_SECRETS) continue;
      this.#values.add(value);
    }
  }

  list(): string[] {
    return [...this.#values];
  }
}
