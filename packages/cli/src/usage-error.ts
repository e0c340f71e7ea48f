/** Bad command-line input: reported before any request, exit code 2. */
export class UsageError extends Error {
  readonly code = 'ERR_GENCOVE_INPUT';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
