import { createRequire as __gencoveCreateRequire } from 'node:module';
const require = __gencoveCreateRequire(import.meta.url);
import {
  MAX_ANNOTATIONS
} from "./chunk-3NDLOD75.mjs";
import {
  MapFileError,
  StepFailure
} from "./chunk-MRY5J6XG.mjs";

// packages/github-action/src/shared/registration.ts
import { isAbsolute, relative, sep } from "node:path";
function setRegistrationOutputs(io, destination, uploads, samples) {
  io.setOutput("destination", destination);
  io.setOutput("uploads", uploads);
  io.setOutput("upload-ids", uploads.map((u) => u.upload_id).join(","));
  if (samples) {
    io.setOutput("samples", samples);
    io.setOutput("sample-ids", samples.map((s) => s.sample).join(","));
  }
}
function samplesTable(summary, samples) {
  if (!samples || samples.length === 0) return;
  summary.table(
    ["Client ID", "Sample", "R1 upload", "R2 upload"],
    samples.map((s) => [
      s.client_id,
      { code: s.sample },
      s.fastq.r1 ? { code: s.fastq.r1.upload } : "",
      s.fastq.r2 ? { code: s.fastq.r2.upload } : ""
    ])
  );
}
function logAssignEvent(io, event) {
  switch (event.type) {
    case "assign-waiting":
      io.info(
        `Waiting for the sample sheet: ${event.found}/${event.expected} uploads listed, next look in ${(event.delayMs / 1e3).toFixed(1)}s.`
      );
      break;
    case "assign-already-assigned":
      io.warning(
        `${event.uploads.length} upload(s) were already assigned by an earlier run; their ${event.samples.length} sample(s) are reported, not created again.`
      );
      break;
    case "assign-foreign-upload":
      io.warning(
        `Sample sheet entry ${event.clientId} pairs upload ${event.upload} of this run with an upload of another run.`
      );
      break;
    case "assign-batch":
      io.info(`Assigning batch ${event.batch}/${event.batches} (${event.samples} samples).`);
      break;
    case "assign-done":
      io.info(`${event.samples} sample(s) created; analysis started.`);
      break;
  }
}
function assignmentFailure(error, projectId, destination) {
  const done = error.assigned.length > 0 ? ` ${error.assigned.length} sample(s) were created before the failure.` : "";
  return new StepFailure(
    `The uploads are on Gencove but could not all be assigned to project ${projectId}: ${error.message} (${error.code}).${done} Finish with: gencove projects run-prefix ${projectId} ${destination}`
  );
}
function relativeIfInside(base, file) {
  const rel = relative(base, file);
  return rel === "" || rel.startsWith("..") || isAbsolute(rel) ? file : rel.split(sep).join("/");
}
function annotationPath(file) {
  const workspace = process.env.GITHUB_WORKSPACE;
  return workspace ? relativeIfInside(workspace, file) : file;
}
function annotateMapFileError(io, error) {
  if (!(error instanceof MapFileError)) return;
  const file = annotationPath(error.file);
  const problems = [...error.problems].sort((a, b) => a.line - b.line);
  for (const problem of problems.slice(0, MAX_ANNOTATIONS)) {
    io.error(problem.message, {
      title: "Gencove: map file rejected",
      file,
      ...problem.line > 0 ? { line: problem.line } : {}
    });
  }
}

export {
  setRegistrationOutputs,
  samplesTable,
  logAssignEvent,
  assignmentFailure,
  relativeIfInside,
  annotationPath,
  annotateMapFileError
};
