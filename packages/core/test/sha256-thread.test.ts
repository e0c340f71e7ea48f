import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileSha256 } from '../src/jobs/download/sha256.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function fileWith(bytes: Buffer) {
  const dir = await mkdtemp(join(tmpdir(), 'gencove-sha-'));
  dirs.push(dir);
  const path = join(dir, 'f');
  await writeFile(path, bytes);
  return open(path, 'r');
}

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('sha256 of a file, read behind the writer', () => {
  for (const inline of [false, true]) {
    const where = inline ? 'on this thread' : 'on the hashing thread';
    it(`matches node:crypto over consecutive ranges (${where})`, async () => {
      const bytes = randomBytes(3 * 1024 * 1024 + 12_345);
      const fd = await fileWith(bytes);
      const hash = fileSha256(fd.fd, { inline });
      await Promise.all([
        hash.add(0, 7),
        hash.add(7, 2 * 1024 * 1024),
        hash.add(7 + 2 * 1024 * 1024, bytes.length - 7 - 2 * 1024 * 1024),
      ]);
      expect(await hash.digest()).toBe(sha(bytes));
      await fd.close();
    });

    it(`fails at digest when the ranges do not follow each other or pass the end (${where})`, async () => {
      const fd = await fileWith(Buffer.from('0123456789'));
      const gap = fileSha256(fd.fd, { inline });
      await gap.add(0, 4);
      await expect(gap.add(5, 2)).rejects.toThrow(/does not follow/);
      const past = fileSha256(fd.fd, { inline });
      past.add(0, 20).catch(() => {});
      await expect(past.digest()).rejects.toThrow(/ended at 10/);
      await fd.close();
    });
  }

  it('keeps the hashes of files fed in turn apart', async () => {
    const contents = [randomBytes(100_000), randomBytes(70_001), randomBytes(1)];
    const fds = await Promise.all(contents.map(fileWith));
    const hashes = fds.map((fd, i) => fileSha256(fd.fd, { inline: i === 2 }));
    const pending: Promise<void>[] = [];
    for (let at = 0; at < 100_000; at += 999) {
      hashes.forEach((h, i) => {
        const length = Math.min(999, contents[i]!.length - at);
        if (length > 0) pending.push(h.add(at, length));
      });
    }
    await Promise.all(pending);
    expect(await Promise.all(hashes.map((h) => h.digest()))).toEqual(contents.map(sha));
    for (const fd of fds) await fd.close();
  });

  it('an empty range list is the sha256 of nothing; dispose waits for reads in flight', async () => {
    const bytes = randomBytes(4 * 1024 * 1024);
    const fd = await fileWith(bytes);
    expect(await fileSha256(fd.fd).digest()).toBe(sha(Buffer.alloc(0)));
    const dropped = fileSha256(fd.fd);
    let read = false;
    dropped.add(0, bytes.length).then(() => {
      read = true;
    });
    await dropped.dispose();
    expect(read).toBe(true); // the file may be closed now: nothing reads it any more
    await dropped.dispose();
    await fd.close();
  });

  it('does not keep the process alive once idle', async () => {
    // the thread is unref'd between requests: a child process that hashes once exits by itself
    const { execFileSync } = await import('node:child_process');
    const script = `
      import { openSync, writeFileSync } from 'node:fs';
      import { fileSha256 } from ${JSON.stringify(new URL('../src/jobs/download/sha256.ts', import.meta.url).pathname)};
      const path = ${JSON.stringify(join(tmpdir(), `gencove-sha-child-${process.pid}`))};
      writeFileSync(path, 'x');
      const s = fileSha256(openSync(path, 'r'));
      await s.add(0, 1);
      console.log(await s.digest());
    `;
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        encoding: 'utf8',
        timeout: 20_000,
      },
    );
    await rm(join(tmpdir(), `gencove-sha-child-${process.pid}`), { force: true });
    expect(out.trim()).toBe(sha(Buffer.from('x')));
  });
});
