import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

describe('gencove-sandbox bin', () => {
  it.skipIf(!existsSync(BIN))(
    '--json prints one line, serves the API, exits cleanly on SIGTERM',
    async () => {
      const child = spawn(process.execPath, [BIN, '--json', '--pipeline', 'manual'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const exited = new Promise<number | null>((resolve) =>
        child.on('exit', (code) => resolve(code)),
      );
      const line = await new Promise<string>((resolve, reject) => {
        const rl = createInterface({ input: child.stdout! });
        rl.once('line', resolve);
        child.once('exit', () => reject(new Error('bin exited before printing')));
      });
      const info = JSON.parse(line);
      expect(Object.keys(info).sort()).toEqual([
        'apiKey',
        'email',
        'password',
        'projects',
        's3Url',
        'url',
      ]);
      const res = await fetch(`${info.url}/api/v2/user/`, {
        headers: { authorization: `Api-Key ${info.apiKey}` },
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { email: string }).email).toBe(info.email);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    },
  );

  it.skipIf(!existsSync(BIN))('rejects bad flags with exit status 1', async () => {
    const child = spawn(process.execPath, [BIN, '--pipeline', 'sometimes'], { stdio: 'ignore' });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
  });
});
