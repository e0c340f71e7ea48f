import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type ActionMetadata, packageDir, readActionYml } from './runner.js';

const ACTIONS = ['upload', 'import-urls', 'wait', 'download', 'setup'];
const examplesDir = resolve(packageDir, '../../examples/github');

interface Step {
  id?: string;
  uses?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  on: unknown;
  jobs: Record<string, { steps?: Step[]; strategy?: { matrix?: Record<string, unknown> } }>;
}

/** `gencove/<name>@v1` (released) or `<owner>/<repo>/packages/github-action/<name>@ref` (monorepo). */
function ourAction(uses: string): string | undefined {
  const released = /^gencove\/([a-z-]+)@[\w.-]+$/.exec(uses);
  if (released) return released[1];
  const monorepo = /^[\w.-]+\/[\w.-]+\/packages\/github-action\/([a-z-]+)@[\w.-]+$/.exec(uses);
  return monorepo?.[1];
}

async function workflows(): Promise<Array<{ file: string; workflow: Workflow; text: string }>> {
  const files = (await readdir(examplesDir)).filter((f) => f.endsWith('.yml')).sort();
  return Promise.all(
    files.map(async (file) => {
      const text = await readFile(join(examplesDir, file), 'utf8');
      return { file, workflow: parse(text) as Workflow, text };
    }),
  );
}

describe('action.yml files', () => {
  it.each(ACTIONS)(
    '%s: node24, bundle present, every input and output documented',
    async (action) => {
      const meta = await readActionYml(action);
      expect(meta.runs).toEqual({ using: 'node24', main: `../dist/${action}.mjs` });
      await expect(readFile(resolve(packageDir, action, meta.runs.main))).resolves.toBeInstanceOf(
        Buffer,
      );
      expect(meta.name).toBeTruthy();
      expect(meta.description).toBeTruthy();
      expect(meta.branding).toEqual({ icon: expect.any(String), color: expect.any(String) });
      for (const [name, spec] of Object.entries({ ...meta.inputs, ...meta.outputs })) {
        expect(name).toMatch(/^[a-z][a-z0-9-]*$/);
        expect(spec.description.length, `${action}.${name}`).toBeGreaterThan(10);
      }
    },
  );

  it('every action reads exactly the inputs its action.yml declares', async () => {
    for (const action of ACTIONS) {
      const meta = await readActionYml(action);
      const sources = await readSources(action);
      const read = new Set(
        [
          ...sources.matchAll(
            /inputs\.(?:string|raw|required|lines|boolean|choice|choices|list|integer|uuid|sampleIds|json|durationMs|shard)\('([a-z0-9-]+)'/g,
          ),
        ].map((m) => m[1]!),
      );
      // the connection inputs are read by the shared runtime
      for (const common of ['api-key', 'email', 'password', 'host']) read.add(common);
      const declared = new Set(Object.keys(meta.inputs ?? {}));
      const unread = [...declared].filter((name) => !read.has(name));
      expect(unread, `${action}: declared but never read`).toEqual([]);
      const undeclared = [...read].filter(
        (name) => !declared.has(name) && !['email', 'password'].includes(name),
      );
      expect(undeclared, `${action}: read but not declared`).toEqual([]);
    }
  });

  it('every action writes exactly the outputs its action.yml declares', async () => {
    for (const action of ACTIONS) {
      const meta = await readActionYml(action);
      const sources = await readSources(action);
      const written = new Set(
        [...sources.matchAll(/setOutput\(\s*'([a-z0-9-]+)'/g)].map((m) => m[1]!),
      );
      if (sources.includes('setRegistrationOutputs(')) {
        for (const name of ['destination', 'uploads', 'upload-ids', 'samples', 'sample-ids'])
          written.add(name);
      }
      expect([...written].sort(), action).toEqual(Object.keys(meta.outputs ?? {}).sort());
    }
  });
});

async function readSources(action: string): Promise<string> {
  const dir = join(packageDir, 'src', action);
  const files = (await readdir(dir)).filter((f) => f.endsWith('.ts'));
  return (await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')))).join('\n');
}

describe('examples/github workflows', () => {
  it('has the promised examples', async () => {
    const files = (await workflows()).map((w) => w.file);
    expect(files).toEqual(
      expect.arrayContaining(['upload-on-push.yml', 'nightly-delivery.yml', 'import-urls.yml']),
    );
    const nightly = (await workflows()).find((w) => w.file === 'nightly-delivery.yml')!;
    expect(nightly.workflow.on).toHaveProperty('schedule');
    expect(Object.values(nightly.workflow.jobs).some((job) => job.strategy?.matrix)).toBe(true);
  });

  it('uses only real actions, real inputs, every required input, and real outputs', async () => {
    const metadata = new Map<string, ActionMetadata>();
    for (const action of ACTIONS) metadata.set(action, await readActionYml(action));
    const used = new Set<string>();
    for (const { file, workflow, text } of await workflows()) {
      for (const [jobName, job] of Object.entries(workflow.jobs)) {
        const stepActions = new Map<string, ActionMetadata>();
        for (const step of job.steps ?? []) {
          if (
            !step.uses ||
            step.uses.startsWith('actions/') ||
            step.uses.startsWith('aws-actions/')
          )
            continue;
          const where = `${file} ${jobName} ${step.uses}`;
          const name = ourAction(step.uses);
          expect(name && metadata.has(name), `${where}: not one of our actions`).toBe(true);
          const meta = metadata.get(name!)!;
          const inputs = meta.inputs ?? {};
          for (const key of Object.keys(step.with ?? {})) {
            expect(Object.keys(inputs), `${where}: unknown input "${key}"`).toContain(key);
          }
          for (const [key, spec] of Object.entries(inputs)) {
            if (spec.required)
              expect(Object.keys(step.with ?? {}), `${where}: required "${key}" missing`).toContain(
                key,
              );
          }
          if (step.id) stepActions.set(step.id, meta);
          used.add(name!);
        }
        // `steps.<id>.outputs.<name>` must name an output the step's action declares.
        for (const match of text.matchAll(/steps\.([\w-]+)\.outputs\.([\w-]+)/g)) {
          const meta = stepActions.get(match[1]!);
          if (!meta) continue; // a `run:` step's own outputs, or another job's step
          expect(Object.keys(meta.outputs ?? {}), `${file}: ${match[0]}`).toContain(match[2]);
        }
      }
    }
    expect([...used].sort(), 'every action appears in an example').toEqual([...ACTIONS].sort());
  });
});
