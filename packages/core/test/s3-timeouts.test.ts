/**
 * An S3 endpoint that accepts connections and never answers must not hang a delivery: the
 * bucket check gives up after its deadline, and the request-idle timeout of the clients built on
 * the user's AWS setup throws (without `throwOnRequestTimeout` the SDK only warns and waits on).
 * Both with short timeouts against a silent server on 127.0.0.1.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TimeoutError } from '../src/index.js';
import { checkBucket } from '../src/jobs/download/s3-delivery.js';
import { S3_IDLE_TIMEOUTS } from '../src/s3-sdk.js';

let server: Server;
let endpoint: string;
const sockets = new Set<Socket>();
let requestsSeen = 0;

beforeAll(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  // Reads whatever is sent and never writes a byte back.
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('data', (data) => {
      requestsSeen += data.toString('latin1').match(/^(HEAD|PUT|GET) /gm)?.length ?? 0;
    });
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  endpoint = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

const silentS3 = (requestHandler: typeof S3_IDLE_TIMEOUTS | Record<string, unknown>) =>
  new S3Client({
    endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
    requestHandler,
  });

describe('a silent S3 endpoint', () => {
  it('fails the bucket check with a TimeoutError once its deadline passes', async () => {
    const s3 = silentS3(S3_IDLE_TIMEOUTS);
    const before = requestsSeen;
    const started = performance.now();
    const error = await checkBucket(s3, 'lab', undefined, 400).catch((e: unknown) => e);
    s3.destroy();
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ code: 'ERR_GENCOVE_TIMEOUT' });
    expect((error as Error).message).toBe('S3 bucket lab did not answer within 0.4 s.');
    expect(requestsSeen).toBeGreaterThan(before);
    // Bounded by the deadline, not by the SDK's own (60 s) timeouts.
    expect(performance.now() - started).toBeLessThan(30_000);
  });

  it('makes a request that idles past requestTimeout throw instead of waiting on', async () => {
    const s3 = silentS3({ ...S3_IDLE_TIMEOUTS, requestTimeout: 300 });
    const error = await s3
      .send(new PutObjectCommand({ Bucket: 'lab', Key: 'a.bam', Body: Buffer.alloc(1024) }))
      .catch((e: unknown) => e);
    s3.destroy();
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('TimeoutError');
    expect((error as Error).message).toContain('300');
  }, 10_000);
});
