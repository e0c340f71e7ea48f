export { type DownloadApi, expectedSha256 } from './deliver-file.js';
export { DEFAULT_TUNING, type TransferTuning } from './disk-transfer.js';
export {
  type DownloadFileApi,
  type DownloadFileOptions,
  downloadSampleFile,
} from './download-file.js';
export {
  type DownloadUrlsEntry,
  downloadUrlsEntry,
  formatDownloadUrlsJson,
} from './download-urls.js';
export {
  type ArchivedSample,
  ArchivedSamplesError,
  ChecksumMismatchError,
  DiskFullError,
  DownloadFailedError,
  DownloadInputError,
  type FileFailure,
  OutputClosedError,
  RemoteFileChangedError,
  RestoreTimeoutError,
  UnsafePathError,
} from './errors.js';
export {
  createFileTypeFilter,
  type FileTypeFilter,
  invalidFileTypes,
  METADATA_FILE_TYPE,
  QC_FILE_TYPE,
  validateFileTypes,
} from './file-types.js';
export { defaultFilename, fileExtension } from './filename.js';
export {
  DEFAULT_MAX_CONCURRENT_FILES,
  DEFAULT_TRANSFER_TIMEOUT_MS,
  downloadDeliverables,
} from './job.js';
export {
  DEFAULT_RESTORE_TIMEOUT_MS,
  type RestoreSamplesOptions,
  restoreProjectSamples,
} from './restore.js';
export { parseS3Destination } from './s3-delivery.js';
export { formatMetadataDownloadFile, formatMetadataFile, formatQcJson } from './sample-json.js';
export { statusAdmits } from './select.js';
export { readSinceState, type SinceState, writeSinceState } from './since-state.js';
export { UrlRefreshError } from './source.js';
export {
  type SampleFileStream,
  type StreamSampleFileOptions,
  streamSampleFile,
} from './stream-file.js';
export {
  DEFAULT_DOWNLOAD_TEMPLATE,
  type DownloadTemplate,
  parseDownloadTemplate,
  renderDownloadPath,
  TEMPLATE_FIELDS,
  type TemplateField,
  type TemplateValues,
} from './template.js';
export * from './types.js';
export {
  type DownloadUrlsOptions,
  type DownloadUrlsResult,
  writeDownloadUrls,
} from './urls-job.js';
