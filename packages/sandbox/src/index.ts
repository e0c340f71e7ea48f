export { MANUAL_STEP_MS, outcomeFor } from './pipeline.js';
export { startSandbox } from './sandbox.js';
export type {
  ArchiveStatusSnapshot,
  Fault,
  FaultMatch,
  FaultRule,
  FaultTarget,
  PipelineMode,
  RequestLogEntry,
  SampleFileSnapshot,
  SampleSnapshot,
  Sandbox,
  SandboxControl,
  SandboxOptions,
  SandboxProjects,
  StatusSnapshot,
  UploadSnapshot,
  WebhookDelivery,
} from './types.js';
export { signWebhook, webhookSignatureHeader } from './webhooks.js';
