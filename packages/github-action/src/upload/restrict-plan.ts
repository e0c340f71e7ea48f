import type { PlannedUpload, UploadPlan } from '@gencove/core';

/**
 * The part of a plan that `keep` selects (a shard: every file of a client ID lands in the same
 * one, so pairing is unchanged): its uploads, the samples they form, and only the problems that
 * concern them — an unreadable file of another shard must not block this one.
 */
export function restrictPlan(
  plan: UploadPlan,
  keep: (upload: PlannedUpload) => boolean,
): UploadPlan {
  const uploads = plan.uploads.filter(keep);
  const sourcePaths = new Set(uploads.flatMap((u) => u.sources.map((s) => s.path)));
  const destinations = new Set(uploads.map((u) => u.destinationPath));
  const concerns = (path: string) =>
    sourcePaths.has(path) ||
    destinations.has(path) ||
    (path.endsWith('/') && uploads.some((u) => u.destinationPath.startsWith(path)));
  return {
    ...plan,
    uploads,
    samples: plan.samples.filter(
      (s) =>
        (s.r1 !== undefined && destinations.has(s.r1)) ||
        (s.r2 !== undefined && destinations.has(s.r2)),
    ),
    totalBytes: uploads.reduce((sum, u) => sum + u.size, 0),
    problems: plan.problems.filter(
      (p) =>
        p.paths.length === 0 ||
        p.paths.some((path) => (p.severity === 'error' ? sourcePaths.has(path) : concerns(path))),
    ),
  };
}
