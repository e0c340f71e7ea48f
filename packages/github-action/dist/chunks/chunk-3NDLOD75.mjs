import { createRequire as __gencoveCreateRequire } from 'node:module';
const require = __gencoveCreateRequire(import.meta.url);

// packages/github-action/src/shared/annotations.ts
var MAX_ANNOTATIONS = 10;
function reportProblems(io, problems) {
  for (const fails of [true, false]) {
    const list = problems.filter((p) => p.fails === fails);
    const annotate = (text, annotation) => fails ? io.error(text, annotation) : io.warning(text, annotation);
    for (const p of list.slice(0, MAX_ANNOTATIONS)) {
      annotate(p.text, {
        title: `Gencove: ${p.title}`,
        ...p.file ? { file: p.file } : {},
        ...p.line ? { line: p.line } : {}
      });
    }
    if (list.length > MAX_ANNOTATIONS) {
      annotate(
        `\u2026 and ${list.length - MAX_ANNOTATIONS} more; see the job summary and the step outputs.`,
        {
          title: "Gencove: more problems"
        }
      );
    }
  }
}

export {
  MAX_ANNOTATIONS,
  reportProblems
};
