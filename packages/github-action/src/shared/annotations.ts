import type { ActionIo, Annotation } from './action-io.js';

/** GitHub shows at most 10 error and 10 warning annotations per step; the rest are summed up. */
export const MAX_ANNOTATIONS = 10;

export interface Problem {
  /** The annotation text, e.g. `SEED-A03 (uuid): failed — note`. */
  text: string;
  /** Short title, e.g. `failed`; shown as `Gencove: failed`. */
  title: string;
  /** An error annotation when the problem fails the step, a warning otherwise. */
  fails: boolean;
  file?: string;
  line?: number;
}

/** One annotation per problem (errors first), then one that counts the rest. */
export function reportProblems(io: ActionIo, problems: Problem[]): void {
  for (const fails of [true, false]) {
    const list = problems.filter((p) => p.fails === fails);
    const annotate = (text: string, annotation: Annotation) =>
      fails ? io.error(text, annotation) : io.warning(text, annotation);
    for (const p of list.slice(0, MAX_ANNOTATIONS)) {
      annotate(p.text, {
        title: `Gencove: ${p.title}`,
        ...(p.file ? { file: p.file } : {}),
        ...(p.line ? { line: p.line } : {}),
      });
    }
    if (list.length > MAX_ANNOTATIONS) {
      annotate(
        `… and ${list.length - MAX_ANNOTATIONS} more; see the job summary and the step outputs.`,
        {
          title: 'Gencove: more problems',
        },
      );
    }
  }
}
