export { DEFAULT_MIN_FREE_BYTES } from './destination-check.js';
export { DEFAULT_DOCTOR_TIMEOUT_MS, runDoctor } from './doctor.js';
export { CLOCK_FAIL_MS, CLOCK_WARN_MS } from './host-check.js';
export { AWS_S3_ENDPOINT } from './s3-endpoint-check.js';
export type {
  DoctorCheck,
  DoctorCheckId,
  DoctorEvent,
  DoctorOptions,
  DoctorReport,
  DoctorStatus,
} from './types.js';
