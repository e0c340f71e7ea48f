/**
 * n8n processes of one e2e run: the environment a user would set, commands run to their end
 * (`import:*`, `publish:workflow`, `execute`) and long-running services (`start`, `worker`), each
 * with its output kept for the leak scan and its peak RSS measured. Every command is an
 * asynchronous child: the sandbox runs in this script's process and must keep answering.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { n8nBin, nodeBin } from './engine.mjs';
import { waitFor } from './util.mjs';

/**
 * The environment of every n8n process of a run: a throwaway user folder, loopback only, the
 * file access a user grants to the examples' folders (`N8N_RESTRICT_FILE_ACCESS_TO`, as
 * documented in examples/n8n/README.md), logs to the console and to a file (leak-scanned).
 */
export function n8nEnv({ work, port, brokerPort, encryptionKey, extra = {} }) {
  return {
    ...process.env,
    PATH: `${nodeBin}:${process.env.PATH}`,
    // also keeps what n8n makes in `~` (its default file-access folder ~/.n8n-files) in the run
    HOME: join(work, 'home'),
    N8N_USER_FOLDER: join(work, 'user'),
    TMPDIR: join(work, 'tmp'),
    N8N_ENCRYPTION_KEY: encryptionKey,
    N8N_DIAGNOSTICS_ENABLED: 'false',
    N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
    N8N_PERSONALIZATION_ENABLED: 'false',
    N8N_PORT: String(port),
    N8N_LISTEN_ADDRESS: '127.0.0.1',
    N8N_HOST: '127.0.0.1',
    WEBHOOK_URL: `http://127.0.0.1:${port}/`,
    N8N_RUNNERS_BROKER_PORT: String(brokerPort),
    N8N_RESTRICT_FILE_ACCESS_TO: join(work, 'files'),
    // info: below it `execute --rawOutput` prints no run JSON either
    N8N_LOG_LEVEL: 'info',
    N8N_LOG_OUTPUT: 'console,file',
    N8N_LOG_FILE_LOCATION: join(work, 'logs/n8n.log'),
    DB_TYPE: 'sqlite',
    ...extra,
  };
}

/**
 * Peak resident memory of a process: `VmHWM` of /proc/<pid>/status (the kernel's high-water
 * mark, so polling misses nothing but the last interval before exit).
 */
export function watchPeakRss(pid, intervalMs = 100) {
  let peak = 0;
  const read = () => {
    try {
      const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      if (kb) peak = Math.max(peak, Number(kb) * 1024);
    } catch {
      // the process has exited
    }
  };
  read();
  const timer = setInterval(read, intervalMs);
  timer.unref(); // never what keeps the script alive
  return {
    stop() {
      read();
      clearInterval(timer);
      return peak;
    },
  };
}

export class N8n {
  /** `outputs` ({where, text}) receives everything n8n prints and the run outputs read back. */
  constructor(env, outputs = []) {
    this.env = env;
    this.outputs = outputs;
    this.children = new Set();
  }

  #spawn(args, extraEnv) {
    // an `undefined` in extraEnv removes a variable (what a user who never set it has)
    const env = Object.fromEntries(
      Object.entries({ ...this.env, ...extraEnv }).filter(([, value]) => value !== undefined),
    );
    const child = spawn(join(nodeBin, 'node'), [n8nBin, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.children.add(child);
    child.on('close', () => this.children.delete(child));
    return child;
  }

  /** Runs a command to its end: {status, stdout, stderr, peakRss}. */
  run(args, extraEnv = {}) {
    return new Promise((ok, fail) => {
      const child = this.#spawn(args, extraEnv);
      const rss = watchPeakRss(child.pid);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('error', fail);
      child.on('exit', () => rss.stop());
      child.on('close', (status) => {
        const command = `n8n ${args[0]}${args[0] === 'execute' ? ` ${args[1]}` : ''}`;
        this.outputs.push({ where: `${command} stdout`, text: stdout });
        this.outputs.push({ where: `${command} stderr`, text: stderr });
        ok({ status, stdout, stderr, peakRss: rss.stop() });
      });
    });
  }

  async runOk(args, extraEnv = {}) {
    const result = await this.run(args, extraEnv);
    if (result.status !== 0)
      throw new Error(
        `n8n ${args.join(' ')} exited ${result.status}\n${result.stdout}\n${result.stderr}`,
      );
    return result;
  }

  /**
   * `n8n execute --id` (regular mode only: n8n runs it in this process even in queue mode): the
   * run's JSON and the process's peak RSS. Throws unless the workflow succeeded.
   */
  async execute(id, extraEnv = {}) {
    const result = await this.run(['execute', `--id=${id}`, '--rawOutput'], extraEnv);
    // the run's JSON is pretty-printed between a line `{` and a line `}`; log lines (task runner
    // registration, …) may come before and after it
    const lines = result.stdout.split('\n');
    const start = lines.indexOf('{');
    const end = lines.indexOf('}', start);
    if (result.status !== 0 || start < 0 || end < 0) {
      const error = new Error(
        `n8n execute --id=${id} failed (${result.status})\n${result.stdout}\n${result.stderr}`,
      );
      error.result = result;
      throw error;
    }
    const run = JSON.parse(lines.slice(start, end + 1).join('\n'));
    this.outputs.push({ where: `execution output of ${id}`, text: JSON.stringify(run) });
    if (run.status !== 'success') throw new Error(`workflow ${id} ended ${run.status}`);
    return { run, peakRss: result.peakRss };
  }

  /**
   * A long-running process (`start`, `worker`): its output is kept (and leak-scanned) under
   * `name`; `stop()` ends it with SIGTERM (SIGKILL after 15 s) as a service manager would.
   */
  service(name, args, extraEnv = {}) {
    const child = this.#spawn(args, extraEnv);
    const rss = watchPeakRss(child.pid, 250);
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const closed = new Promise((resolve) => child.on('close', resolve));
    child.on('exit', () => rss.stop());
    this.outputs.push({
      where: `n8n ${name} stdout/stderr`,
      get text() {
        return output;
      },
    });
    return {
      name,
      pid: child.pid,
      get output() {
        return output;
      },
      exited: () => child.exitCode !== null || child.signalCode !== null,
      /** Waits until the output matches `pattern` (fails early if the process exits). */
      async waitForOutput(what, pattern, timeoutMs = 120_000) {
        await waitFor(
          `${name}: ${what}`,
          () => {
            if (pattern.test(output)) return true;
            if (child.exitCode !== null) throw new Error(`n8n ${name} exited ${child.exitCode}`);
            return false;
          },
          timeoutMs,
        );
      },
      async stop() {
        if (child.exitCode === null && child.signalCode === null) {
          const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
          child.kill('SIGTERM');
          await closed;
          clearTimeout(kill);
        }
        return rss.stop();
      },
    };
  }

  /** Stops every process of this run still running (SIGTERM, then SIGKILL after 15 s). */
  async stopAll() {
    await Promise.all(
      [...this.children].map(
        (child) =>
          new Promise((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
            child.once('close', () => {
              clearTimeout(kill);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
  }
}
