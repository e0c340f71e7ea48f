import { createRequire as __gencoveCreateRequire } from 'node:module';
const require = __gencoveCreateRequire(import.meta.url);
import {
  relativeIfInside
} from "./chunks/chunk-B3NOUFYN.mjs";
import {
  reportProblems
} from "./chunks/chunk-3NDLOD75.mjs";
import {
  ArchivedSamplesError,
  DownloadFailedError,
  DownloadInputError,
  InputError,
  StepFailure,
  SummaryBuilder,
  downloadDeliverables,
  formatBytes,
  formatDuration,
  parseDurationMs,
  parseGencoveTimestamp,
  runAction,
  shardOf
} from "./chunks/chunk-MRY5J6XG.mjs";
import "./chunks/chunk-PGZVWKOG.mjs";

// packages/github-action/src/download/run.ts
import { isAbsolute, resolve } from "node:path";
var STATUS_FILTERS = ["succeeded", "completed", "failed", "all"];
function readDownloadInputs(inputs, cwd, now = Date.now()) {
  const target = inputs.required("destination");
  const destination = /^s3:\/\//i.test(target) ? target : resolve(cwd, target);
  const projectId = inputs.uuid("project-id");
  const sampleIds = inputs.sampleIds("sample-ids");
  if (Boolean(projectId) === sampleIds.length > 0) {
    throw new InputError(
      "project-id",
      "give project-id (every sample of a project) or sample-ids, exactly one of them."
    );
  }
  const shard = inputs.shard("shard");
  if (shard && !projectId)
    throw new InputError("shard", "splits the samples of a project: use it with project-id.");
  const since = readSince(inputs, now);
  const sinceStateFile = inputs.string("since-state-file");
  if (since && sinceStateFile)
    throw new InputError("since", "give since or since-state-file, not both.");
  const restore = inputs.boolean("restore", false);
  const skipArchived = inputs.boolean("skip-archived", false);
  if (restore && skipArchived)
    throw new InputError("restore", "restore and skip-archived exclude each other.");
  const restoreTimeout = inputs.string("restore-timeout") ?? "5h";
  const restoreTimeoutMs = parseDurationMs(restoreTimeout);
  if (restoreTimeoutMs === void 0) {
    throw new InputError(
      "restore-timeout",
      `must be a duration such as 90m or 5h; got ${JSON.stringify(restoreTimeout)}.`
    );
  }
  const fileTypes = inputs.list("file-types");
  const template = inputs.string("template");
  const concurrency = inputs.integer("concurrency", { min: 1, max: 32, fallback: 4 });
  const s3Endpoint = inputs.string("s3-endpoint");
  const s3Region = inputs.string("s3-region");
  return {
    destination,
    ...projectId ? { projectId } : { sampleIds },
    ...fileTypes.length > 0 ? { fileTypes } : {},
    ...template ? { template } : {},
    status: inputs.choice("status", STATUS_FILTERS, "succeeded"),
    ...since ? { since } : {},
    ...sinceStateFile ? { sinceStateFile: resolve(cwd, sinceStateFile) } : {},
    restore,
    restoreTimeoutMs,
    skipArchived,
    verify: inputs.boolean("verify", true),
    skipExisting: inputs.boolean("skip-existing", true),
    ...concurrency !== void 0 ? { concurrency } : {},
    ...shard ? { shard } : {},
    ...s3Endpoint ? { s3Endpoint } : {},
    ...s3Region ? { s3Region } : {}
  };
}
function readSince(inputs, now) {
  const value = inputs.string("since");
  if (value === void 0) return void 0;
  const ago = parseDurationMs(value);
  if (ago !== void 0) return new Date(now - ago);
  try {
    return parseGencoveTimestamp(value);
  } catch {
    throw new InputError(
      "since",
      `must be an ISO 8601 time (2026-11-24T06:00:00Z) or a duration such as 48h or 7d; got ${JSON.stringify(value)}.`
    );
  }
}
var PROGRESS_EVERY_MS = 3e4;
async function runDownload(inputs, deps) {
  const { io } = deps;
  const api = inputs.shard ? shardedApi(deps.client, inputs.shard, io) : deps.client;
  const what = inputs.projectId ? `project ${inputs.projectId}` : `${inputs.sampleIds.length} sample(s)`;
  io.info(
    `Delivering ${inputs.status} samples of ${what}${inputs.since ? ` finished since ${inputs.since.toISOString()}` : ""} to ${inputs.destination}.`
  );
  let result;
  try {
    result = await io.group(
      "Downloading",
      () => downloadDeliverables(api, {
        destination: inputs.destination,
        ...inputs.projectId ? { projectId: inputs.projectId } : { sampleIds: inputs.sampleIds },
        ...inputs.fileTypes ? { fileTypes: inputs.fileTypes } : {},
        ...inputs.template ? { template: inputs.template } : {},
        status: inputs.status,
        ...inputs.since ? { since: inputs.since } : {},
        ...inputs.sinceStateFile ? { sinceStateFile: inputs.sinceStateFile } : {},
        restore: inputs.restore ? { timeoutMs: inputs.restoreTimeoutMs } : false,
        skipArchived: inputs.skipArchived,
        verify: inputs.verify,
        skipExisting: inputs.skipExisting,
        ...inputs.concurrency !== void 0 ? { maxConcurrentFiles: inputs.concurrency } : {},
        ...inputs.s3Endpoint || inputs.s3Region ? {
          s3: {
            ...inputs.s3Endpoint ? { endpoint: inputs.s3Endpoint } : {},
            ...inputs.s3Region ? { region: inputs.s3Region } : {}
          }
        } : {},
        signal: deps.signal,
        onEvent: progressLogger(io)
      })
    );
  } catch (error) {
    if (error instanceof DownloadFailedError && error.result) {
      const partial = error.result;
      setOutputs(io, inputs, partial, deps.cwd);
      reportFailedFiles(io, partial.files, deps.cwd);
      await io.writeSummary(summaryOf(inputs, partial, deps.cwd));
      throw new StepFailure(`${error.message} (${error.code})`);
    }
    if (error instanceof ArchivedSamplesError) {
      reportProblems(
        io,
        error.samples.map((s) => ({
          text: `${s.clientId} (${s.id}) is ${s.archiveStatus}.`,
          title: "archived sample",
          fails: true
        }))
      );
      throw new StepFailure(
        `${error.samples.length} selected sample(s) are archived; nothing was downloaded. Set restore: true to restore, wait and download, or skip-archived: true to download the others.`
      );
    }
    if (error instanceof DownloadInputError) throw asInputError(error);
    throw error;
  }
  setOutputs(io, inputs, result, deps.cwd);
  await io.writeSummary(summaryOf(inputs, result, deps.cwd));
  io.info(
    `${result.totals.downloaded} file(s) downloaded, ${result.totals.skipped} already there, ${formatBytes(result.totals.fetchedBytes)} fetched in ${formatDuration(result.elapsedMs)}.`
  );
  return result;
}
var INPUT_OF_ARGUMENT = {
  "--download-template": "template",
  "--file-types": "file-types",
  "--region": "s3-region",
  "--since": "since-state-file",
  DESTINATION: "destination"
};
function asInputError(error) {
  const input = INPUT_OF_ARGUMENT[error.argument];
  return input ? new InputError(input, error.message.replaceAll(error.argument, input)) : error;
}
function shardedApi(api, shard, io) {
  let seen = 0;
  let kept = 0;
  return {
    getSample: (...args) => api.getSample(...args),
    getSampleQc: (...args) => api.getSampleQc(...args),
    getSampleMetadata: (...args) => api.getSampleMetadata(...args),
    listFileTypes: (...args) => api.listFileTypes(...args),
    getFileChecksum: (...args) => api.getFileChecksum(...args),
    restoreSamples: (...args) => api.restoreSamples(...args),
    listProjectSamples(projectId, filters) {
      const listing = api.listProjectSamples(projectId, filters);
      const filtered = {
        async *[Symbol.asyncIterator]() {
          for await (const sample of listing) {
            seen++;
            if (shardOf(String(sample.client_id ?? ""), shard.total) !== shard.index) continue;
            kept++;
            yield sample;
          }
          io.info(`Shard ${shard.index}/${shard.total}: ${kept} of ${seen} listed sample(s).`);
        }
      };
      return filtered;
    }
  };
}
function pathOf(target, cwd) {
  return isAbsolute(target) ? relativeIfInside(cwd, target) : target;
}
function fileRecord(file, cwd) {
  return {
    sample_id: file.sampleId,
    client_id: file.clientId,
    file_type: file.fileType,
    path: pathOf(file.target, cwd),
    bytes: file.bytes,
    outcome: file.outcome,
    verified: file.verified,
    ...file.sha256 ? { sha256: file.sha256 } : {},
    ...file.skipReason ? { skip_reason: file.skipReason } : {},
    ...file.error ? { error: file.error.message } : {}
  };
}
function setOutputs(io, inputs, result, cwd) {
  io.setOutput(
    "files",
    result.files.map((f) => fileRecord(f, cwd))
  );
  io.setOutput("download-path", inputs.destination);
  io.setOutput("bytes", String(result.totals.deliveredBytes));
  io.setOutput(
    "sample-ids",
    result.samples.filter((s) => s.outcome === "delivered").map((s) => s.id).join(",")
  );
  if (result.highWaterMark) io.setOutput("high-water-mark", result.highWaterMark);
}
function reportFailedFiles(io, files, cwd) {
  reportProblems(
    io,
    files.filter((f) => f.outcome === "failed").map((f) => ({
      text: `${f.clientId} (${f.sampleId}) ${f.fileType} \u2192 ${pathOf(f.target, cwd)}: ${f.error?.message ?? "failed"}`,
      title: f.error?.code === "ERR_GENCOVE_CHECKSUM" ? "checksum mismatch" : "download failed",
      fails: true
    }))
  );
}
function progressLogger(io) {
  let lastLog = Date.now();
  const inFlight = /* @__PURE__ */ new Map();
  return (event) => {
    switch (event.type) {
      case "plan":
        io.info(
          `${event.samples} sample(s) to deliver, ${event.skipped} not selected, ${event.archived} archived.`
        );
        break;
      case "warning":
        io.warning(
          event.code === "archived-skipped" ? event.message.replace("use --restore", "set restore: true") : event.message
        );
        break;
      case "restore-requested":
        io.info(
          `Restore requested for ${event.sampleIds.length} archived sample(s); waiting for it.`
        );
        break;
      case "restore-wait":
        if (event.event.type === "status" && event.event.previousArchiveStatus !== null) {
          io.info(
            `${event.event.clientId ?? event.event.sampleId}: ${event.event.previousArchiveStatus} \u2192 ${event.event.archiveStatus}`
          );
        } else if (event.event.type === "poll-error") {
          io.info(`Checking the restores failed (${event.event.message}); retrying.`);
        }
        break;
      case "restore-done":
        io.info(`${event.sampleIds.length} sample(s) restored.`);
        break;
      case "file-progress": {
        inFlight.set(event.target, event.doneBytes);
        if (Date.now() - lastLog >= PROGRESS_EVERY_MS) {
          lastLog = Date.now();
          const bytes = [...inFlight.values()].reduce((a, b) => a + b, 0);
          io.info(`\u2026 ${inFlight.size} file(s) in progress, ${formatBytes(bytes)} written.`);
        }
        break;
      }
      case "file-done":
        inFlight.delete(event.target);
        io.info(
          `${event.clientId} ${event.fileType} \u2192 ${event.target} (${formatBytes(event.bytes)}, ${event.outcome}${event.verified ? ", sha256 verified" : ""})`
        );
        break;
      case "file-retry":
        io.info(
          `${event.target}: attempt ${event.attempt} failed (${event.status ?? event.reason}); retrying in ${formatDuration(event.delayMs)}.`
        );
        break;
      case "checksum-mismatch":
        io.warning(
          `${event.target}: sha256 mismatch on attempt ${event.attempt} (expected ${event.expected}, got ${event.actual}).`
        );
        break;
      case "url-refresh":
        io.debug(`download URLs of ${event.sampleId} refreshed`);
        break;
      default:
        break;
    }
  };
}
function summaryOf(inputs, result, cwd) {
  const t = result.totals;
  const summary = new SummaryBuilder().heading("Gencove download").facts([
    ["destination", { code: inputs.destination }],
    ["samples", t.samples],
    ["files", t.files],
    ["downloaded", t.downloaded],
    ["already there", t.skipped],
    ["failed", t.failed],
    ["bytes", formatBytes(t.deliveredBytes)],
    ["fetched", formatBytes(t.fetchedBytes)],
    ...inputs.shard ? [["shard", `${inputs.shard.index}/${inputs.shard.total}`]] : [],
    ["duration", formatDuration(result.elapsedMs)],
    ["throughput", `${formatBytes(t.fetchedBytes / Math.max(1e-3, result.elapsedMs / 1e3))}/s`]
  ]);
  return summary.table(
    ["Client ID", "Sample", "File type", "Path", "Size", "Outcome", "sha256"],
    result.files.map((f) => [
      f.clientId,
      { code: f.sampleId },
      f.fileType,
      { code: pathOf(f.target, cwd) },
      formatBytes(f.bytes),
      f.outcome === "failed" ? `failed: ${f.error?.message ?? ""}` : f.outcome,
      f.verified ? "verified" : ""
    ])
  );
}

// packages/github-action/src/download/main.ts
await runAction(async ({ inputs, io, signal, client }) => {
  const cwd = process.env.GITHUB_WORKSPACE || process.cwd();
  const downloadInputs = readDownloadInputs(inputs, cwd);
  await runDownload(downloadInputs, { client: client(), io, signal, cwd });
});
