/**
 * The release, proven offline: a fresh clone of this repository is installed and published to a
 * real npm registry on 127.0.0.1 with the commands release.yml runs, then everything a user does
 * happens in folders outside the workspace, with a fresh npm prefix and cache:
 *   - the quick start on the clone (`npm ci`, the workspace bins, `npm run demo`);
 *   - `npm install -g @gencove/cli` / `@gencove/sandbox`, and upload → wait → download with the
 *     installed bins against the installed sandbox; `npm install @gencove/core` for a script;
 *   - n8n-nodes-gencove installed the way n8n installs a community package into the pinned n8n
 *     of test/n8n-e2e, and an example workflow run by that engine;
 *   - the five action repositories assembled and pushed by release.mjs (into local bare
 *     repositories), each action's `main` run from a checkout of its `v1` tag as the runner does;
 *   - `npm view` of every package: metadata and the exact file list of its tarball.
 * The steps share state and run in order. Run: `npx vitest run --config test/release/vitest.config.ts`
 * (after `npm run build`: the in-process sandbox of the action and n8n steps is the workspace's).
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
} from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Sandbox, startSandbox } from '@gencove/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// the bundle runner of packages/github-action's own tests: node 24, INPUT_*, GITHUB_OUTPUT, …
import { installNode24 } from '../../packages/github-action/scripts/install-node24.mjs';
import {
  samplesByClientId,
  sandboxEnv,
  sandboxInputs,
} from '../../packages/github-action/test/helpers.js';
import { runActionBundle } from '../../packages/github-action/test/runner.js';
import { fastq, listFiles, sha256 } from '../helpers/files.js';
import { cleanEnv, sh } from '../helpers/shell.js';
import { installEngine, n8nBin, nodeBin as n8nNodeBin } from '../n8n-e2e/lib/engine.mjs';
import { freePort, type LocalRegistry, startRegistry } from './registry.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const ACTIONS = ['upload', 'import-urls', 'wait', 'download', 'setup'];
const PUBLISHED = ['@gencove/core', '@gencove/sandbox', '@gencove/cli', 'n8n-nodes-gencove'];
const DIRS: Record<string, string> = {
  '@gencove/core': 'packages/core',
  '@gencove/sandbox': 'packages/sandbox',
  '@gencove/cli': 'packages/cli',
  'n8n-nodes-gencove': 'packages/n8n-nodes',
};
const LICENSE = readFileSync(join(root, 'LICENSE'), 'utf8');

let work: string;
let clone: string;
let registry: LocalRegistry;
/** A user's machine: empty folders outside the workspace, npm's prefix and cache new. */
let user: { home: string; prefix: string; env: NodeJS.ProcessEnv };
const manifest = (name: string) =>
  JSON.parse(readFileSync(join(clone, DIRS[name]!, 'package.json'), 'utf8')) as {
    version: string;
  };

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'gencove-release-'));
  clone = join(work, 'clone');
  const home = join(work, 'user');
  const prefix = join(work, 'npm-prefix');
  await mkdir(home);
  await mkdir(prefix);
  user = {
    home,
    prefix,
    env: {
      // this test's Node.js first: the installed bins run on the version the suite runs on
      PATH: [join(prefix, 'bin'), dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin']
        .filter((dir, i, all) => all.indexOf(dir) === i)
        .join(':'),
      HOME: home,
      LANG: 'C.UTF-8',
      npm_config_prefix: prefix,
      npm_config_cache: join(work, 'npm-cache'),
      XDG_CACHE_HOME: join(home, '.cache'),
    },
  };
});

afterAll(async () => {
  await registry?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('release', () => {
  it('a fresh clone: `npm ci` builds and links the bins, which never come from a registry', async () => {
    execFileSync('git', ['clone', '--quiet', root, clone]);
    // as a new user types it (the lockfile's packages come from npm's cache or the registry)
    await sh('npm ci', { cwd: clone, env: cleanEnv() });
    expect(readlinkSync(join(clone, 'node_modules/.bin/gencove'))).toBe(
      '../@gencove/cli/bin/gencove.js',
    );
    expect(readlinkSync(join(clone, 'node_modules/.bin/gencove-sandbox'))).toBe(
      '../@gencove/sandbox/bin/gencove-sandbox.js',
    );
    // the install step built the workspace and left the clone as committed (bundles included)
    expect(existsSync(join(clone, 'packages/cli/dist/bin.js'))).toBe(true);
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: clone, encoding: 'utf8' })).toBe(
      '',
    );
    // a registry that cannot answer and no prompt: any registry look-up would fail the command
    const noRegistry = cleanEnv({
      npm_config_registry: `http://127.0.0.1:${await freePort()}/`,
      npm_config_yes: 'true',
      npm_config_fetch_retries: '0',
    });
    const version = await sh('npx gencove --version', { cwd: clone, env: noRegistry });
    expect(version.stdout.trim()).toBe(manifest('@gencove/cli').version);
    const help = await sh('npx gencove-sandbox --help', { cwd: clone, env: noRegistry });
    expect(help.stdout).toContain('Usage: gencove-sandbox');
    // and the same bins from a sub-folder, as npx looks them up from the project root
    const nested = await sh('npx gencove --version', {
      cwd: join(clone, 'examples'),
      env: noRegistry,
    });
    expect(nested.stdout.trim()).toBe(manifest('@gencove/cli').version);
  });

  it('`npm run demo` runs the main user story and prints commands that run as printed', async () => {
    const demo = await sh('npm run demo', { cwd: clone, env: cleanEnv() });
    expect(demo.stdout).toContain('Demo finished');
    const printed = demo.stdout.split('\n').filter((line) => line.startsWith('$ '));
    expect(printed.length).toBeGreaterThan(5);
    for (const line of printed) expect(line).toMatch(/^\$ npx gencove /);
  });

  it('publishes every package with the commands of release.yml', async () => {
    registry = await startRegistry();
    // release.yml: `npm run release` (via changesets/action), registry and provenance aside
    const publish = await sh('npm run release', {
      cwd: clone,
      env: cleanEnv({
        npm_config_userconfig: registry.npmrc,
        npm_config_registry: registry.url,
        npm_config_provenance: 'false',
      }),
    });
    for (const name of PUBLISHED) {
      expect(publish.stdout).toContain(`publishing ${name}@${manifest(name).version}`);
    }
    // changeset tag: one tag per released version, the actions' private package included
    const tags = execFileSync('git', ['tag', '--list'], { cwd: clone, encoding: 'utf8' })
      .trim()
      .split('\n')
      .sort();
    const actionVersion = JSON.parse(
      readFileSync(join(clone, 'packages/github-action/package.json'), 'utf8'),
    ).version;
    expect(tags).toEqual(
      [
        ...PUBLISHED.map((name) => `${name}@${manifest(name).version}`),
        `@gencove/github-action@${actionVersion}`,
      ].sort(),
    );
    // a second run (a re-run after a failure) publishes nothing twice
    const again = await sh('npm run release', {
      cwd: clone,
      env: cleanEnv({
        npm_config_userconfig: registry.npmrc,
        npm_config_registry: registry.url,
        npm_config_provenance: 'false',
      }),
    });
    expect(again.stdout).toContain('0 package(s) published');
  });

  it('npm view: every package has its metadata and exactly the files a user needs', async () => {
    const env = { ...user.env, npm_config_registry: registry.url };
    for (const name of PUBLISHED) {
      const dir = join(clone, DIRS[name]!);
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      const view = JSON.parse(
        (await sh(`npm view ${name} --json`, { cwd: user.home, env })).stdout,
      );
      expect(view.version, name).toBe(pkg.version);
      expect(view.license, name).toBe('MIT');
      expect(view.engines, name).toEqual({ node: '>=22' });
      expect(view.repository, name).toEqual({
        type: 'git',
        url: 'git+https://github.com/gencove-toolkit/gencove-toolkit.git',
        directory: DIRS[name],
      });
      expect(view.homepage, name).toBe(
        `https://github.com/gencove-toolkit/gencove-toolkit/tree/main/${DIRS[name]}#readme`,
      );
      expect(view.bugs, name).toEqual({
        url: 'https://github.com/gencove-toolkit/gencove-toolkit/issues',
      });
      expect(view.publishConfig, name).toEqual({ access: 'public', provenance: true });
      // internal dependencies are real ranges that the published versions satisfy
      for (const [dep, range] of Object.entries<string>(view.dependencies ?? {})) {
        if (PUBLISHED.includes(dep))
          expect(range, `${name} → ${dep}`).toBe(`^${manifest(dep).version}`);
        expect(range, `${name} → ${dep}`).not.toBe('*');
      }
      if (name === 'n8n-nodes-gencove') {
        // n8n's rule for community packages: no runtime dependencies, n8n-workflow as a peer
        expect(view.dependencies ?? {}).toEqual({});
        expect(view.keywords).toContain('n8n-community-node-package');
      } else {
        expect(view.types, name).toBe('./dist/index.d.ts');
      }
      if (name === '@gencove/cli') expect(view.bin).toEqual({ gencove: 'bin/gencove.js' });
      if (name === '@gencove/sandbox')
        expect(view.bin).toEqual({ 'gencove-sandbox': 'bin/gencove-sandbox.js' });

      // the tarball, as the registry serves it
      const unpacked = join(work, 'tarballs', name.replace('/', '__'));
      await mkdir(unpacked, { recursive: true });
      const tgz = (
        await sh(`npm pack ${name}@${pkg.version} --silent`, { cwd: unpacked, env })
      ).stdout
        .trim()
        .split('\n')
        .at(-1)!;
      const files = execFileSync('tar', ['-tzf', tgz], { cwd: unpacked, encoding: 'utf8' })
        .trim()
        .split('\n')
        .map((f) => f.replace(/^package\//, ''))
        .sort();
      // exactly: the manifest, README, LICENSE, the bins and the built JS and types (no maps,
      // no sources, no tests, nothing of another package)
      const built = (await listFiles(join(dir, 'dist')))
        .filter((f) => !f.endsWith('.map'))
        .map((f) => `dist/${f}`);
      const bins = existsSync(join(dir, 'bin'))
        ? readdirSync(join(dir, 'bin')).map((f) => `bin/${f}`)
        : [];
      expect(files, name).toEqual(
        ['LICENSE', 'README.md', 'package.json', ...bins, ...built].sort(),
      );
      execFileSync('tar', ['-xzf', tgz], { cwd: unpacked });
      expect(readFileSync(join(unpacked, 'package/LICENSE'), 'utf8')).toBe(LICENSE);
      if (name !== 'n8n-nodes-gencove') {
        expect(files).toContain('dist/index.d.ts');
        expect(
          files.some(
            (f) => /(^|\/)(src|test)\//.test(f) || (f.endsWith('.ts') && !f.endsWith('.d.ts')),
          ),
        ).toBe(false);
      }
    }
  });

  let sandboxProcess: ReturnType<typeof spawn> | undefined;
  afterAll(() => {
    sandboxProcess?.kill('SIGINT');
  });

  it('a user installs the CLI and the sandbox from the registry and runs upload → wait → download', async () => {
    await writeFile(join(user.home, '.npmrc'), `registry=${registry.url}\n`);
    const env = user.env;
    // packages/cli/README.md and README.md, word for word
    await sh('npm install -g @gencove/cli', { cwd: user.home, env });
    await sh('npm install -g @gencove/sandbox', { cwd: user.home, env });
    const version = await sh('gencove --version', { cwd: user.home, env });
    expect(version.stdout.trim()).toBe(manifest('@gencove/cli').version);
    expect((await sh('command -v gencove', { cwd: user.home, env })).stdout.trim()).toBe(
      join(user.prefix, 'bin/gencove'),
    );

    // no workspace anywhere in the installed tree: no link leads out of it (npm's own bin links
    // in node_modules/.bin stay inside), our packages came from the registry
    const installed = join(user.prefix, 'lib/node_modules');
    for (const entry of readdirSync(installed, { recursive: true, withFileTypes: true })) {
      const path = join(entry.parentPath, entry.name);
      if (!lstatSync(path).isSymbolicLink()) continue;
      const target = realpathSync(path);
      if (!target.startsWith(`${user.prefix}/`))
        throw new Error(`a link out of the installed tree: ${path} → ${target}`);
    }
    const tree = (await sh('npm ls -g --all --json --long', { cwd: user.home, env })).stdout;
    expect(tree).not.toContain(root);
    const core = join(installed, '@gencove/cli/node_modules/@gencove/core');
    expect(lstatSync(core).isDirectory()).toBe(true);
    expect(JSON.parse(readFileSync(join(core, 'package.json'), 'utf8')).version).toBe(
      manifest('@gencove/core').version,
    );
    // what npm fetched for them (its new cache: nothing came from anywhere else)
    const cached = (
      await sh('npm cache ls @gencove/cli @gencove/core @gencove/sandbox', {
        cwd: user.home,
        env,
      })
    ).stdout;
    for (const name of ['@gencove/cli', '@gencove/core', '@gencove/sandbox']) {
      const tarball = `${name.split('/')[1]}-${manifest(name).version}.tgz`;
      const fetched = cached.split('\n').filter((line) => line.endsWith(tarball));
      expect(fetched.length, `${name}: ${cached}`).toBeGreaterThan(0);
      for (const line of fetched) expect(line).toContain(registry.url);
    }

    // README "Pointing a client at the sandbox", with the installed bins
    sandboxProcess = spawn('gencove-sandbox', ['--json', '--pipeline', 'instant'], {
      cwd: user.home,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const info = await new Promise<{
      url: string;
      s3Url: string;
      apiKey: string;
      projects: { default: string };
    }>((resolvePromise, reject) => {
      let out = '';
      sandboxProcess!.stdout!.on('data', (chunk) => {
        out += chunk;
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (line && out.includes('\n')) resolvePromise(JSON.parse(line));
      });
      sandboxProcess!.on('exit', (code) => reject(new Error(`gencove-sandbox exited ${code}`)));
    });
    const cliEnv = {
      ...env,
      GENCOVE_HOST: info.url,
      GENCOVE_API_KEY: info.apiKey,
      GENCOVE_LOCALSTACK_S3_ENDPOINT: info.s3Url,
      P: info.projects.default,
    };
    const reads = join(user.home, 'runs/2026-12-07');
    await mkdir(reads, { recursive: true });
    for (const id of ['REL-01', 'REL-02']) {
      await writeFile(join(reads, `${id}_S1_L001_R1_001.fastq.gz`), fastq(`${id}-R1`));
      await writeFile(join(reads, `${id}_S1_L001_R2_001.fastq.gz`), fastq(`${id}-R2`));
    }
    await sh('gencove projects list', { cwd: user.home, env: cliEnv });
    await sh(
      'gencove upload runs/2026-12-07/ gncv://release/2026-12-07 --run-project-id "$P" --output assigned.json --no-progress',
      { cwd: user.home, env: cliEnv },
    );
    const assigned = JSON.parse(await readFile(join(user.home, 'assigned.json'), 'utf8')) as Array<{
      client_id: string;
      sample: string;
    }>;
    expect(assigned.map((s) => s.client_id).sort()).toEqual(['REL-01', 'REL-02']);
    await sh(
      'gencove wait --project-id "$P" --from-output assigned.json --timeout 2m --poll-interval 1s',
      { cwd: user.home, env: cliEnv },
    );
    await sh(
      `gencove download results --sample-ids ${assigned.map((s) => s.sample).join(',')} --checksums --no-progress`,
      { cwd: user.home, env: cliEnv },
    );
    const delivered = await listFiles(join(user.home, 'results'));
    for (const id of ['REL-01', 'REL-02']) {
      expect(delivered.some((f) => f.startsWith(`${id}/`) && f.endsWith('.vcf.gz'))).toBe(true);
    }

    // packages/core/README.md: a script of a lab, with the library from the registry
    const script = join(user.home, 'lab-script');
    await mkdir(script);
    await writeFile(
      join(script, 'package.json'),
      '{ "name": "lab-script", "private": true, "type": "module" }\n',
    );
    await sh('npm install @gencove/core', { cwd: script, env });
    await writeFile(
      join(script, 'count.mjs'),
      [
        "import { GencoveClient } from '@gencove/core';",
        'const client = new GencoveClient({ host: process.env.GENCOVE_HOST, apiKey: process.env.GENCOVE_API_KEY });',
        'let n = 0;',
        'for await (const _ of client.listProjectSamples(process.env.P)) n += 1;',
        'await client.close();',
        'console.log(n);',
        '',
      ].join('\n'),
    );
    const counted = await sh('node count.mjs', { cwd: script, env: cliEnv });
    expect(Number(counted.stdout.trim())).toBeGreaterThanOrEqual(2);
    expect(existsSync(join(script, 'node_modules/@gencove/core/dist/index.d.ts'))).toBe(true);

    sandboxProcess.kill('SIGINT');
    const exit = await new Promise<number | null>((r) =>
      sandboxProcess!.once('exit', (code) => r(code)),
    );
    expect(exit).toBe(0);
    sandboxProcess = undefined;
  });

  it("the n8n package README's manual install, word for word, installs the package and nothing else", async () => {
    // packages/n8n-nodes/README.md, "Manually": run in the user's home with the registry as npm's
    await sh('mkdir -p ~/.n8n/nodes && cd ~/.n8n/nodes', { cwd: user.home, env: user.env });
    const nodesDir = join(user.home, '.n8n/nodes');
    await sh('npm install n8n-nodes-gencove', {
      cwd: nodesDir,
      env: { ...user.env, npm_config_registry: registry.url },
    });
    const installed = join(nodesDir, 'node_modules/n8n-nodes-gencove');
    const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
    expect(pkg.version).toBe(manifest('n8n-nodes-gencove').version);
    for (const file of pkg.n8n.nodes as string[])
      expect(existsSync(join(installed, file))).toBe(true);
    // the optional peer n8n-workflow is n8n's own: npm installs no dependency next to the package
    expect(readdirSync(join(nodesDir, 'node_modules')).filter((d) => !d.startsWith('.'))).toEqual([
      'n8n-nodes-gencove',
    ]);
  });

  let sandbox: Sandbox;
  afterAll(() => sandbox?.close());

  it('n8n installs n8n-nodes-gencove from the registry as a community package and runs an example workflow with it', async () => {
    installEngine();
    sandbox = await startSandbox({ pipeline: 'instant' });
    // What n8n 2.41.1 runs to install a community package (CommunityPackagesService
    // .downloadPackage): checked against the installed engine, so a changed installer fails here.
    const service = readFileSync(
      join(dirname(n8nBin), '../dist/modules/community-packages/community-packages.service.js'),
      'utf8',
    );
    for (const fragment of [
      // biome-ignore lint/suspicious/noTemplateCurlyInString: n8n's source text, not a template
      "['pack', `${packageName}@${packageVersion}`, '--quiet']",
      "'-xzf', tarballName, '-C', packageDirectory, '--strip-components=1'",
      'const { devDependencies, peerDependencies, optionalDependencies, ...packageJson }',
      "'--install-strategy=shallow'",
      "'--ignore-scripts=true'",
      'this.downloadFolder = this.instanceSettings.nodesDownloadDir',
    ]) {
      expect(service, fragment).toContain(fragment);
    }
    const n8nHome = join(work, 'n8n');
    const nodesDir = join(n8nHome, '.n8n/nodes'); // instanceSettings.nodesDownloadDir
    const packageDir = join(nodesDir, 'node_modules/n8n-nodes-gencove');
    await mkdir(packageDir, { recursive: true });
    const npmEnv = { ...user.env, PATH: `${n8nNodeBin}:${user.env.PATH}` };
    const registryArg = `--registry=${registry.url.replace(/\/+$/, '')}`;
    const tarball = (
      await sh(
        `npm pack n8n-nodes-gencove@${manifest('n8n-nodes-gencove').version} --quiet ${registryArg}`,
        {
          cwd: nodesDir,
          env: npmEnv,
        },
      )
    ).stdout.trim();
    execFileSync('tar', ['-xzf', tarball, '-C', packageDir, '--strip-components=1'], {
      cwd: nodesDir,
    });
    const pkg = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8'));
    const { devDependencies, peerDependencies, optionalDependencies, ...kept } = pkg;
    await writeFile(join(packageDir, 'package.json'), JSON.stringify(kept, null, 2));
    await sh(
      `npm install --audit=false --fund=false --bin-links=false --install-strategy=shallow --ignore-scripts=true --package-lock=false ${registryArg}`,
      { cwd: packageDir, env: npmEnv },
    );
    await rm(join(nodesDir, tarball));
    await writeFile(
      join(nodesDir, 'package.json'),
      JSON.stringify({
        name: 'installed-nodes',
        private: true,
        dependencies: { 'n8n-nodes-gencove': pkg.version },
      }),
    );
    // nothing but what the package ships: no dependencies were installed next to it
    expect(existsSync(join(packageDir, 'node_modules'))).toBe(false);

    // an example workflow, run by the engine: list the succeeded samples, download their VCFs
    const files = join(work, 'n8n-files');
    await mkdir(files);
    const env = {
      ...npmEnv,
      N8N_USER_FOLDER: n8nHome,
      TMPDIR: join(work, 'n8n-tmp'),
      N8N_ENCRYPTION_KEY: randomBytes(24).toString('hex'),
      N8N_DIAGNOSTICS_ENABLED: 'false',
      N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
      N8N_PERSONALIZATION_ENABLED: 'false',
      N8N_PORT: String(await freePort()),
      N8N_RUNNERS_BROKER_PORT: String(await freePort()),
      N8N_LISTEN_ADDRESS: '127.0.0.1',
      N8N_RESTRICT_FILE_ACCESS_TO: files,
      N8N_LOG_LEVEL: 'info',
      DB_TYPE: 'sqlite',
    };
    await mkdir(env.TMPDIR, { recursive: true });
    const n8n = (args: string[]) =>
      sh(['node', n8nBin, ...args].map((a) => `'${a}'`).join(' '), { cwd: n8nHome, env });
    await writeFile(
      join(work, 'credentials.json'),
      JSON.stringify([
        {
          id: 'gencoveApiExample',
          name: 'Gencove API',
          type: 'gencoveApi',
          data: { apiKey: sandbox.apiKey, host: sandbox.url, s3Endpoint: sandbox.s3Url },
        },
      ]),
    );
    const workflows = join(work, 'workflows');
    await mkdir(workflows);
    await writeFile(
      join(workflows, 'list-download.json'),
      readFileSync(join(root, 'examples/n8n/list-download.json'), 'utf8')
        .replaceAll('REPLACE-WITH-YOUR-PROJECT-ID', sandbox.projects.default)
        .replaceAll('/data/gencove/', `${files}/`),
    );
    await n8n(['import:credentials', `--input=${join(work, 'credentials.json')}`]);
    await n8n(['import:workflow', '--separate', `--input=${workflows}`]);
    const run = await n8n(['execute', '--id=gencoveListDownload', '--rawOutput']);
    expect(run.stdout).toContain('"status": "success"');
    const samples = await samplesByClientId(sandbox, sandbox.projects.default);
    const seed = sandbox.control.getSample(samples.get('SEED-A01')!)!;
    const vcf = seed.files.find((f) => f.file_type === 'impute-vcf')!;
    const written = readFileSync(join(files, `SEED-A01_${vcf.filename}`));
    expect(sha256(written)).toBe(sha256((await sandbox.control.s3Object(vcf.bucket, vcf.key))!));
  });

  it('release.mjs assembles and pushes the five action repositories; each runs from its v1 tag as the runner runs it', async () => {
    installNode24();
    const remotes = join(work, 'remotes');
    for (const action of ACTIONS) {
      execFileSync('git', ['init', '--quiet', '--bare', join(remotes, 'gencove', `${action}.git`)]);
    }
    const gitEnv = cleanEnv({
      GIT_AUTHOR_NAME: 'release',
      GIT_AUTHOR_EMAIL: 'release@example.invalid',
      GIT_COMMITTER_NAME: 'release',
      GIT_COMMITTER_EMAIL: 'release@example.invalid',
    });
    // release.yml's step (packages/github-action/README.md), local bare repositories as remote
    await sh(
      `node packages/github-action/scripts/release.mjs --version v1.4.0 --owner gencove --push --remote file://${remotes}`,
      { cwd: clone, env: gitEnv },
    );
    // the documented assembly (no push): the same trees
    await sh(
      'node packages/github-action/scripts/release.mjs --version v1.4.0 --out actions-release',
      { cwd: clone, env: gitEnv },
    );
    const out = join(clone, 'actions-release');

    for (const action of ACTIONS) {
      const remote = join(remotes, 'gencove', `${action}.git`);
      const tag = (ref: string) =>
        execFileSync('git', ['rev-parse', `${ref}^{commit}`], {
          cwd: remote,
          encoding: 'utf8',
        }).trim();
      expect(tag('v1'), `${action}: v1 is moved to v1.4.0`).toBe(tag('v1.4.0'));
      // `uses: gencove/<action>@v1`: the runner fetches the repository at that ref
      const checkout = join(work, 'runner', action);
      execFileSync('git', [
        'clone',
        '--quiet',
        '--depth',
        '1',
        '--branch',
        'v1',
        `file://${remote}`,
        checkout,
      ]);
      expect(readFileSync(join(checkout, 'LICENSE'), 'utf8')).toBe(LICENSE);
      expect(readFileSync(join(checkout, 'README.md'), 'utf8')).toContain(
        `uses: gencove/${action}@v1`,
      );
      const tracked = execFileSync('git', ['ls-files'], { cwd: checkout, encoding: 'utf8' })
        .trim()
        .split('\n')
        .sort();
      expect(
        (await listFiles(join(out, action))).sort(),
        `${action}: --out equals the pushed tree`,
      ).toEqual(tracked);
    }

    const cwd = join(work, 'runner-workspace');
    await mkdir(join(cwd, 'reads'), { recursive: true });
    for (const read of ['R1', 'R2']) {
      await writeFile(
        join(cwd, 'reads', `ACT-01_S1_L001_${read}_001.fastq.gz`),
        fastq(`ACT-01-${read}`),
      );
    }
    const urls = ['client_id,r_notation,path'];
    for (const read of ['R1', 'R2']) {
      const url = await sandbox.control.putExternalObject(
        `ACT-URL_${read}.fastq.gz`,
        fastq(`ACT-URL-${read}`),
        7 * 24 * 3600,
      );
      urls.push(`ACT-URL,${read},${url}`);
    }
    await writeFile(join(cwd, 'urls.fastq-map.csv'), `${urls.join('\n')}\n`);
    const run = (action: string, inputs: Record<string, string>) =>
      runActionBundle(action, {
        actionDir: join(work, 'runner', action),
        cwd,
        env: sandboxEnv(sandbox),
        inputs: { ...(action === 'setup' ? {} : sandboxInputs(sandbox)), ...inputs },
      });
    const ok = (result: Awaited<ReturnType<typeof run>>, action: string) => {
      expect(result.errors, action).toEqual([]);
      expect(result.exitCode, `${action}\n${result.stdout}\n${result.stderr}`).toBe(0);
      return result;
    };
    const uploaded = ok(
      await run('upload', {
        path: 'reads',
        destination: 'gncv://release/actions',
        'project-id': sandbox.projects.default,
      }),
      'upload',
    );
    const imported = ok(
      await run('import-urls', {
        'map-file': 'urls.fastq-map.csv',
        destination: 'gncv://release/imported',
        'project-id': sandbox.projects.default,
      }),
      'import-urls',
    );
    const sampleIds = [uploaded.outputs['sample-ids'], imported.outputs['sample-ids']].join(',');
    const waited = ok(
      await run('wait', { 'project-id': sandbox.projects.default, 'sample-ids': sampleIds }),
      'wait',
    );
    expect(waited.outputs.outcome).toBe('succeeded');
    const downloaded = ok(
      await run('download', { 'sample-ids': sampleIds, destination: 'results' }),
      'download',
    );
    expect(Number(downloaded.outputs.bytes)).toBeGreaterThan(0);
    const setup = ok(await run('setup', {}), 'setup');
    const launcher = join(setup.outputs.path!, 'gencove');
    expect(execFileSync(launcher, ['--version'], { encoding: 'utf8' }).trim()).toBe(
      manifest('@gencove/cli').version,
    );
    expect((await listFiles(join(cwd, 'results'))).some((f) => f.endsWith('.vcf.gz'))).toBe(true);
  });
});
