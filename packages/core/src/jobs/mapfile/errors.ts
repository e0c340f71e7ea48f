/** One problem of a map file. `line` is 1-based; 0 means the file as a whole. */
export interface MapFileProblem {
  line: number;
  message: string;
}

/** How many problems the message lists before summarising the rest. */
export const MAX_LISTED_PROBLEMS = 50;

/**
 * A map file was rejected. Every problem found is in `problems`, and the message lists them
 * (the first {@link MAX_LISTED_PROBLEMS}) with their line numbers. Thrown before any request.
 */
export class MapFileError extends Error {
  readonly code = 'ERR_GENCOVE_INPUT';
  readonly file: string;
  readonly problems: MapFileProblem[];

  constructor(file: string, problems: MapFileProblem[]) {
    super(formatProblems(file, problems));
    this.name = 'MapFileError';
    this.file = file;
    this.problems = problems;
  }
}

function formatProblems(file: string, problems: MapFileProblem[]): string {
  const sorted = [...problems].sort((a, b) => a.line - b.line);
  const listed = sorted
    .slice(0, MAX_LISTED_PROBLEMS)
    .map((p) => (p.line > 0 ? `  line ${p.line}: ${p.message}` : `  ${p.message}`));
  const rest = sorted.length - listed.length;
  if (rest > 0) listed.push(`  … and ${rest} more`);
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return `Invalid map file ${file} (${count}; nothing was sent):\n${listed.join('\n')}`;
}
