import { createRequire as __gencoveCreateRequire } from 'node:module';
const require = __gencoveCreateRequire(import.meta.url);
import {
  reportProblems
} from "./chunks/chunk-3NDLOD75.mjs";
import {
  InputError,
  StepFailure,
  SummaryBuilder,
  formatDuration,
  runAction,
  waitForSamples
} from "./chunks/chunk-MRY5J6XG.mjs";
import "./chunks/chunk-PGZVWKOG.mjs";

// packages/github-action/src/wait/run.ts
var FAIL_ON = ["failed", "failed-qc", "unavailable", "timeout"];
function readWaitInputs(inputs) {
  const projectId = inputs.uuid("project-id");
  if (!projectId) throw new InputError("project-id", "is required.");
  const sampleIds = inputs.sampleIds("sample-ids");
  const clientIds = inputs.list("client-ids");
  if (sampleIds.length > 0 && clientIds.length > 0) {
    throw new InputError("client-ids", "give sample-ids or client-ids, not both.");
  }
  const failOn = inputs.string("fail-on") === "none" ? [] : inputs.choices("fail-on", FAIL_ON, ["failed", "unavailable", "timeout"]);
  return {
    projectId,
    ...sampleIds.length > 0 ? { sampleIds } : {},
    ...clientIds.length > 0 ? { clientIds } : {},
    timeoutMs: inputs.durationMs("timeout") ?? 6 * 36e5,
    failOn
  };
}
var FAILING_OUTCOME = {
  failed: "failed",
  "failed-qc": "failed-qc",
  unavailable: "unavailable",
  timeout: "pending"
};
async function runWait(inputs, deps) {
  const { io } = deps;
  const what = inputs.sampleIds ? `${inputs.sampleIds.length} samples` : inputs.clientIds ? `${inputs.clientIds.length} client ids` : "every sample";
  io.info(
    `Waiting up to ${formatDuration(inputs.timeoutMs)} for ${what} of project ${inputs.projectId}.`
  );
  let lastPollError;
  const onEvent = (event) => {
    if (event.type === "poll-error") lastPollError = `${event.message} (${event.code})`;
    logEvent(io, event);
  };
  const result = await io.group(
    "Status changes",
    () => waitForSamples(
      deps.client,
      {
        projectId: inputs.projectId,
        ...inputs.sampleIds ? { sampleIds: inputs.sampleIds } : {},
        ...inputs.clientIds ? { clientIds: inputs.clientIds } : {}
      },
      { timeoutMs: inputs.timeoutMs, signal: deps.signal, onEvent }
    )
  );
  const idsOf = (outcome) => result.samples.filter((s) => s.outcome === outcome && s.id).map((s) => s.id);
  io.setOutput("outcome", result.outcome);
  io.setOutput("statuses", result.samples.map(statusOutput));
  io.setOutput("succeeded-ids", idsOf("succeeded").join(","));
  io.setOutput("failed-qc-ids", idsOf("failed-qc").join(","));
  io.setOutput("failed-ids", idsOf("failed").join(","));
  const failing = new Set(inputs.failOn.map((f) => FAILING_OUTCOME[f]));
  reportProblems(
    io,
    result.samples.filter((s) => s.outcome !== "succeeded").map((s) => {
      const what2 = s.outcome === "pending" ? `still ${s.status ?? "pending"} at the timeout` : s.outcome;
      const fails = failing.has(s.outcome);
      return {
        text: `${sampleLabel(s)}: ${what2}${s.note ? ` \u2014 ${s.note}` : ""}`,
        title: fails ? s.outcome : `${s.outcome} (not failing the step)`,
        fails
      };
    })
  );
  await io.writeSummary(summaryOf(inputs, result));
  const counts = Object.entries(result.counts).filter(([, n]) => n > 0).map(([outcome, n]) => `${n} ${outcome}`).join(", ");
  io.info(
    `Outcome: ${result.outcome} (${counts || "no samples"}) after ${formatDuration(result.elapsedMs)}.`
  );
  const failed = [...failing].filter((outcome) => result.counts[outcome] > 0);
  if (failed.length > 0) {
    throw new StepFailure(
      `Wait ended with ${failed.map((o) => `${result.counts[o]} ${o === "pending" ? "unfinished (timeout)" : o}`).join(", ")} sample(s); fail-on is ${inputs.failOn.join(", ")}.`
    );
  }
  if (result.outcome === "timeout" && failing.has("pending")) {
    const why = result.state ? "" : ` before one poll of project ${inputs.projectId} completed${lastPollError ? ` (last error: ${lastPollError})` : ""}`;
    throw new StepFailure(`Wait timed out${why}; fail-on is ${inputs.failOn.join(", ")}.`);
  }
  return result;
}
function statusOutput(s) {
  return {
    id: s.id,
    client_id: s.clientId,
    status: s.status,
    archive_status: s.archiveStatus,
    outcome: s.outcome,
    ...s.note ? { note: s.note } : {}
  };
}
function sampleLabel(s) {
  if (s.clientId && s.id) return `${s.clientId} (${s.id})`;
  return s.clientId ?? s.id ?? "unknown sample";
}
function logEvent(io, event) {
  const label = () => sampleLabel({
    id: "sampleId" in event ? event.sampleId : null,
    clientId: "clientId" in event ? event.clientId : null
  });
  switch (event.type) {
    case "status":
      if (event.status !== event.previousStatus) {
        io.info(
          `${label()}: ${event.previousStatus ? `${event.previousStatus} \u2192 ` : ""}${event.status ?? "no status"}${event.note ? ` (${event.note})` : ""}`
        );
      }
      if (event.archiveStatus !== event.previousArchiveStatus && event.previousArchiveStatus !== null) {
        io.info(`${label()}: archive ${event.previousArchiveStatus} \u2192 ${event.archiveStatus}`);
      }
      break;
    case "missing":
      io.info(`${label()}: ${event.reason}`);
      break;
    case "poll":
      io.debug(
        `poll (${event.mode}): ${event.pending}/${event.total} pending, ${event.requests} requests, next in ${event.nextPollInMs ?? "-"} ms`
      );
      break;
    case "poll-error":
      io.warning(
        `Polling failed (${event.code}: ${event.message}); ${event.retryInMs === null ? "giving up at the deadline" : `retrying in ${formatDuration(event.retryInMs)}`}.`
      );
      break;
    case "end":
      break;
  }
}
function summaryOf(inputs, result) {
  return new SummaryBuilder().heading(`Gencove wait: ${result.outcome}`).facts([
    ["project", { code: inputs.projectId }],
    ["samples", result.samples.length],
    ...Object.entries(result.counts).filter(([, n]) => n > 0).map(([outcome, n]) => [outcome, n]),
    ["duration", formatDuration(result.elapsedMs)],
    ["API requests", result.requests]
  ]).table(
    ["Client ID", "Sample", "Status", "Archive", "Outcome", "Note"],
    result.samples.map((s) => [
      s.clientId ?? "",
      s.id ? { code: s.id } : "",
      s.status ?? "",
      s.archiveStatus ?? "",
      s.outcome,
      s.note ?? ""
    ])
  );
}

// packages/github-action/src/wait/main.ts
await runAction(async ({ inputs, io, signal, client }) => {
  const waitInputs = readWaitInputs(inputs);
  await runWait(waitInputs, { client: client(), io, signal });
});
