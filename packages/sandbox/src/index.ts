export { type ChaosComparison, compareChaosReports } from './chaos/compare.js';
export { apiOperation, s3Operation } from './chaos/operations.js';
export { CHAOS_PROFILE_NAMES, CHAOS_PROFILES } from './chaos/profiles.js';
export { MANUAL_STEP_MS, outcomeFor } from './pipeline.js';
export { startSandbox } from './sandbox.js';
export type {
  ArchiveStatusSnapshot,
  ChaosLogEntry,
  ChaosMatch,
  ChaosOptions,
  ChaosProfile,
  ChaosProfileName,
  ChaosReport,
  ChaosRule,
  ExternalFile,
  Fault,
  FaultMatch,
  FaultRule,
  FaultTarget,
  FaultType,
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
  WeightedFault,
} from './types.js';
export { signWebhook, webhookSignatureHeader } from './webhooks.js';
