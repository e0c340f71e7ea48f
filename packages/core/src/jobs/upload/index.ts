// the budget type of `uploadStream`'s options, for callers that share one across uploads
export { TransferBudget, type TransferBudgetOptions } from '../../transfer/budget.js';
export { defaultCacheDir } from './cache-dir.js';
export {
  DEFAULT_CREDENTIAL_REFRESH_BEFORE_MS,
  UploadCredentialProvider,
  type UploadCredentialProviderOptions,
} from './credentials.js';
export {
  NoFastqFilesError,
  S3TransferError,
  SourceChangedError,
  UploadInputError,
  UploadPlanError,
} from './errors.js';
export type { UploadEvent } from './events.js';
export { type ParsedFastqName, parseFastqName, type ReadNumber } from './names.js';
export {
  choosePartSize,
  DEFAULT_PART_SIZE,
  MAX_PART_SIZE,
  MAX_PARTS,
  MIN_PART_SIZE,
} from './part-size.js';
export { assertUploadable, MAP_FILE_SUFFIX, type PlanUploadOptions, planUpload } from './plan.js';
export type {
  PlannedSample,
  PlannedUpload,
  PlanProblem,
  PlanProblemKind,
  SourceFile,
  UploadPlan,
} from './plan-types.js';
export {
  DEFAULT_UPLOAD_BUFFER_BYTES,
  DEFAULT_UPLOAD_CONCURRENCY,
  type UploadedFile,
  type UploadFastqsOptions,
  UploadOptionError,
  type UploadResult,
  uploadFastqs,
} from './upload.js';
export {
  DEFAULT_STREAM_PARTS_IN_FLIGHT,
  type UploadStreamEvent,
  type UploadStreamOptions,
  type UploadStreamResult,
  uploadStream,
} from './upload-stream.js';
