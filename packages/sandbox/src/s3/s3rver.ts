import S3rver from 's3rver';

export interface RunningS3rver {
  host: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Starts s3rver in-process on a free loopback port. It is never exposed to clients directly: the
 * sandbox's own proxy (src/s3/proxy.ts) sits in front of it and talks to it anonymously.
 */
export async function startS3rver(directory: string, buckets: string[]): Promise<RunningS3rver> {
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    vhostBuckets: false,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const address = await server.run();
  return {
    host: '127.0.0.1',
    port: address.port,
    close: async () => {
      server.httpServer?.closeAllConnections();
      await server.close();
    },
  };
}
