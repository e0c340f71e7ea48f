import http from 'node:http';
import https from 'node:https';
import type { S3Client } from '@aws-sdk/client-s3';
import { loadS3Sdk } from '../../s3-sdk.js';
import type { UploadCredentialProvider } from './credentials.js';

export interface UploadS3ClientOptions {
  /** S3 endpoint override (`GENCOVE_LOCALSTACK_S3_ENDPOINT`); path-style addressing when set. */
  endpoint?: string;
  credentials: UploadCredentialProvider;
  /** Sockets per host; the transfer budget decides how many are used at once. */
  maxSockets: number;
}

/**
 * The S3 client of an upload job. Everything the SDK could otherwise take from the user's AWS
 * setup is given explicitly (region, credentials, checksum mode). SDK retries are off: part
 * bodies are file streams that cannot be replayed, so the job retries with a fresh stream.
 */
export async function createUploadS3Client(options: UploadS3ClientOptions): Promise<S3Client> {
  const sdk = await loadS3Sdk();
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets };
  return new sdk.S3Client({
    region: 'us-east-1',
    ...(options.endpoint
      ? { endpoint: options.endpoint, forcePathStyle: true }
      : { followRegionRedirects: true }),
    credentials: options.credentials.provider,
    maxAttempts: 1,
    // the SDK would print retry remarks to the console; the job reports through its events
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {} },
    // we send our own CRC32 with every part; the SDK must not add a second, streamed one
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: {
      httpAgent: new http.Agent(agentOptions),
      httpsAgent: new https.Agent(agentOptions),
      connectionTimeout: 30_000,
      requestTimeout: 120_000,
      // without it the SDK only prints a warning on stderr and goes on waiting
      throwOnRequestTimeout: true,
    },
  });
}
