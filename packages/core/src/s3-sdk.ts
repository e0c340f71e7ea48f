/**
 * The AWS S3 SDK takes ~0.2 s to load, a third of the CLI's start-up: it is loaded on first use
 * so that only the jobs that talk to S3 (upload, S3 delivery, S3 map files, doctor) pay for it.
 */
export const loadS3Sdk = () => import('@aws-sdk/client-s3');
