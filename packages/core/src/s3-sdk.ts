/**
 * The AWS S3 SDK takes ~0.2 s to load, a third of the CLI's start-up: it is loaded on first use
 * so that only the jobs that talk to S3 (upload, S3 delivery, S3 map files, doctor) pay for it.
 */
export const loadS3Sdk = () => import('@aws-sdk/client-s3');

/**
 * Connection and idle-request timeouts for the S3 clients built on the user's AWS setup (S3
 * delivery, S3 map files): without them an endpoint that accepts connections and never answers
 * hangs the command. The SDK retries a request that timed out.
 */
export const S3_IDLE_TIMEOUTS = {
  connectionTimeout: 60_000,
  requestTimeout: 60_000,
  // without it the SDK only prints a warning on stderr and goes on waiting
  throwOnRequestTimeout: true,
} as const;
