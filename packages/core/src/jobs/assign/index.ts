export {
  ASSIGN_BATCH_SIZE,
  type AssignUploadsOptions,
  assignUploadsToProject,
  DEFAULT_ASSIGN_MAX_WAIT_MS,
} from './assign.js';
export { AssignmentError, type AssignmentFailure } from './errors.js';
export { formatAssignmentOutput } from './output.js';
export {
  type AssignByPrefixOptions,
  type AssignPrefixApi,
  assignByPrefix,
} from './prefix.js';
export type { AssignApi, AssignEvent, AssignedSample } from './types.js';
