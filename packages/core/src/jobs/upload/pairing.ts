import { parseFastqName } from './names.js';
import type { PlannedSample, PlanProblem, UploadPlan } from './plan-types.js';

// Control characters and backslashes cannot be part of a gncv:// path the server accepts.
const BAD_PATH_CHARACTER = /[\u0000-\u001f\u007f\\]/;

const folderOf = (destinationPath: string) =>
  destinationPath.slice(0, destinationPath.lastIndexOf('/') + 1);

/**
 * Pairs R1/R2 uploads into prospective samples the way the server's sample sheet groups them
 * (same folder, same client ID) and lists every problem: errors block the upload, warnings are
 * shown. Returns the plan with `samples` and `problems` filled in.
 */
export function checkPlan(plan: UploadPlan, unreadable: ReadonlyMap<string, string>): UploadPlan {
  const problems: PlanProblem[] = [];
  const error = (kind: PlanProblem['kind'], message: string, paths: string[]) =>
    problems.push({ severity: 'error', kind, message, paths });
  const warning = (kind: PlanProblem['kind'], message: string, paths: string[]) =>
    problems.push({ severity: 'warning', kind, message, paths });

  const samples = new Map<
    string,
    PlannedSample & { labels: Partial<Record<'R1' | 'R2', string>> }
  >();
  const foldersByClient = new Map<string, Set<string>>();
  for (const upload of plan.uploads) {
    const paths = upload.sources.map((s) => s.path);
    for (const path of paths) {
      const why = unreadable.get(path);
      if (why !== undefined) error('unreadable', `${path} cannot be read: ${why}`, [path]);
    }
    if (upload.sources.every((s) => !unreadable.has(s.path)) && upload.size === 0) {
      error('empty-file', `${upload.label} is empty.`, paths);
    }
    if (BAD_PATH_CHARACTER.test(upload.destinationPath)) {
      error(
        'bad-name',
        `${upload.label}: the name contains a control character or a backslash, which a gncv:// path cannot hold.`,
        paths,
      );
    }
    if (upload.clientId === '') {
      error(
        'empty-client-id',
        `${upload.label}: the name must start with the sample ID before the first "_" (e.g. SAMPLE_R1.fastq.gz).`,
        paths,
      );
      continue;
    }
    if (!upload.read) {
      const name = upload.destinationPath.slice(upload.destinationPath.lastIndexOf('/') + 1);
      const { ambiguous } = parseFastqName(name);
      error(
        ambiguous ? 'ambiguous-read' : 'no-read-token',
        ambiguous
          ? `${upload.label}: the name holds both an R1 and an R2 token, so the read is ambiguous.`
          : `${upload.label}: no _R1 or _R2 token in the name, so the server cannot tell which read it is (rename it, e.g. ${upload.clientId}_R1.fastq.gz, or use a map file).`,
        paths,
      );
      continue;
    }
    const folder = folderOf(upload.destinationPath);
    const key = `${folder}\u0000${upload.clientId}`;
    let sample = samples.get(key);
    if (!sample) {
      sample = { folder, clientId: upload.clientId, labels: {} };
      samples.set(key, sample);
    }
    const slot = upload.read === 'R1' ? 'r1' : 'r2';
    const taken = sample[slot];
    if (taken !== undefined) {
      error(
        'duplicate-read',
        `Sample ${upload.clientId} in ${folder} has two ${upload.read} files: ${sample.labels[upload.read]} and ${upload.label} ` +
          '(concatenate lanes with a map file, or put them in different folders).',
        paths,
      );
      continue;
    }
    sample[slot] = upload.destinationPath;
    sample.labels[upload.read] = upload.label;
    const folders = foldersByClient.get(upload.clientId) ?? new Set<string>();
    folders.add(folder);
    foldersByClient.set(upload.clientId, folders);
  }

  for (const sample of samples.values()) {
    if (sample.r1 && !sample.r2) {
      warning(
        'unpaired',
        `${sample.labels.R1} has no R2: sample ${sample.clientId} will be single-end.`,
        [sample.r1],
      );
    } else if (sample.r2 && !sample.r1) {
      warning('unpaired', `${sample.labels.R2} has no R1 in the same folder.`, [sample.r2]);
    }
  }
  for (const [clientId, folders] of foldersByClient) {
    if (folders.size > 1) {
      warning(
        'client-id-in-several-folders',
        `Sample ID ${clientId} appears in ${folders.size} folders (${[...folders].join(', ')}): each becomes a separate sample with the same client ID.`,
        [...folders],
      );
    }
  }
  return {
    ...plan,
    samples: [...samples.values()].map(({ labels: _labels, ...s }) => s),
    problems,
  };
}
