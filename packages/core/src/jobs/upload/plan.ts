import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import pLimit from 'p-limit';
import { generateDestination, normalizeDestination } from '../destination.js';
import { parseMapFile } from '../mapfile/index.js';
import { type Discovery, discoverFastqs, selectFastqs } from './discover.js';
import { NoFastqFilesError, UploadInputError, UploadPlanError } from './errors.js';
import { parseFastqName } from './names.js';
import { checkPlan } from './pairing.js';
import type { PlannedUpload, SourceFile, UploadPlan } from './plan-types.js';

export const MAP_FILE_SUFFIX = '.fastq-map.csv';
const STAT_CONCURRENCY = 16;
const EXTENSIONS = '.fastq.gz, .fq.gz, .fastq.bgz, .fq.bgz';

export interface PlanUploadOptions {
  /**
   * A directory, or a `*.fastq-map.csv` file whose paths are local files. With `files`: the
   * directory the files' gncv:// paths are relative to.
   */
  source: string;
  /**
   * Plan exactly these files (absolute, or relative to `cwd`) instead of every FASTQ under the
   * `source` directory — e.g. what glob patterns matched. Each must lie inside `source`. Files
   * without a FASTQ extension are skipped (`ignored`); pairing is checked over these files only.
   */
  files?: readonly string[];
  /** `gncv://` folder; generated as spec §3.3 says when omitted. */
  destination?: string;
  /** Base of a relative `source` and of a map file's relative paths. Default `process.cwd()`. */
  cwd?: string;
  signal?: AbortSignal;
  /** Clock of the generated destination (tests). */
  now?: Date;
}

/**
 * Pre-flight: finds the files, names their destinations, pairs R1/R2 as the server will and
 * lists every problem, without any network access. Throws only when there is nothing to plan.
 */
export async function planUpload(options: PlanUploadOptions): Promise<UploadPlan> {
  const cwd = options.cwd ?? process.cwd();
  const destinationGenerated = options.destination === undefined;
  const destination =
    options.destination === undefined
      ? generateDestination('cli', options.now)
      : normalizeDestination(options.destination);
  const source = resolve(cwd, options.source);
  const info = await stat(source).catch((error: NodeJS.ErrnoException) => {
    throw new UploadInputError(
      error.code === 'ENOENT'
        ? `Source ${options.source} does not exist.`
        : `Source ${options.source} cannot be read: ${error.message}`,
    );
  });

  let kind: UploadPlan['kind'];
  let drafts: Draft[];
  let ignored: string[] = [];
  if (options.files !== undefined) {
    if (!info.isDirectory()) {
      throw new UploadInputError(
        `Source ${options.source} must be a directory when files are given: their gncv:// paths are relative to it.`,
      );
    }
    kind = 'files';
    const found = selectFastqs(
      source,
      options.files.map((file) => resolve(cwd, file)),
    );
    if (found.outside.length > 0) {
      throw new UploadInputError(
        `${found.outside.length === 1 ? 'File' : `${found.outside.length} files, e.g.`} ${found.outside[0]} ` +
          `${found.outside.length === 1 ? 'is' : 'are'} not inside ${options.source}, the folder the gncv:// paths are relative to.`,
      );
    }
    ignored = found.ignored;
    drafts = draftsOf(found, destination);
    if (drafts.length === 0) {
      throw new NoFastqFilesError(
        options.source,
        options.files.length === 0
          ? `No FASTQ files found: no files were given (in ${options.source}).`
          : `No FASTQ files found among the ${options.files.length} given file(s) in ${options.source} ` +
              `(looked for ${EXTENSIONS}; ${ignored.length} other file(s) ignored).`,
      );
    }
  } else if (info.isDirectory()) {
    kind = 'directory';
    const found = await discoverFastqs(source, options.signal).catch(
      (error: NodeJS.ErrnoException) => {
        throw new UploadInputError(`Source ${options.source} cannot be read: ${error.message}`);
      },
    );
    ignored = found.ignored;
    drafts = draftsOf(found, destination);
    if (drafts.length === 0) {
      throw new NoFastqFilesError(
        options.source,
        `No FASTQ files found in ${options.source} (looked for ${EXTENSIONS}` +
          `${ignored.length > 0 ? `; ${ignored.length} other files ignored` : ''}).`,
      );
    }
  } else if (info.isFile() && source.endsWith(MAP_FILE_SUFFIX)) {
    kind = 'map-file';
    const map = await parseMapFile(source, { cwd });
    if (map.kind === 'url') {
      throw new UploadInputError(
        `Map file ${options.source} lists URLs, not local files: import it with the URL import ` +
          '(`gencove upload` does this itself for URL map files).',
      );
    }
    drafts = map.groups.map((group) => ({
      destinationPath: `${destination}${group.clientId}_${group.read}.fastq.gz`,
      clientId: group.clientId,
      read: group.read,
      label:
        group.paths.length === 1
          ? `${group.clientId}_${group.read} (line ${group.lines[0]})`
          : `${group.clientId}_${group.read} (${group.paths.length} files, lines ${group.lines.join(', ')})`,
      paths: group.paths,
    }));
    if (drafts.length === 0) {
      throw new NoFastqFilesError(
        options.source,
        `No FASTQ files found in ${options.source}: it has no rows.`,
      );
    }
  } else {
    throw new UploadInputError(
      `Source ${options.source} must be a directory or a map file named *${MAP_FILE_SUFFIX}.`,
    );
  }

  const { uploads, unreadable } = await statSources(drafts, options.signal);
  const plan: UploadPlan = {
    kind,
    source,
    destination,
    destinationGenerated,
    uploads,
    samples: [],
    ignored,
    totalBytes: uploads.reduce((sum, u) => sum + u.size, 0),
    problems: [],
  };
  return checkPlan(plan, unreadable);
}

type Draft = Omit<PlannedUpload, 'sources' | 'size'> & { paths: string[] };

/** One upload per file, named by its path relative to the scanned folder. */
function draftsOf(found: Discovery, destination: string): Draft[] {
  return found.files.map((file) => {
    const name = parseFastqName(file.relativePath.slice(file.relativePath.lastIndexOf('/') + 1));
    return {
      destinationPath: destination + file.relativePath,
      clientId: name.clientId,
      ...(name.read ? { read: name.read } : {}),
      label: file.relativePath,
      paths: [file.path],
    };
  });
}

async function statSources(
  drafts: Draft[],
  signal?: AbortSignal,
): Promise<{ uploads: PlannedUpload[]; unreadable: Map<string, string> }> {
  const limit = pLimit(STAT_CONCURRENCY);
  const unreadable = new Map<string, string>();
  const describe = async (path: string): Promise<SourceFile> => {
    signal?.throwIfAborted();
    try {
      await access(path, constants.R_OK);
      const s = await stat(path);
      if (!s.isFile()) throw new Error('not a regular file');
      return { path, size: s.size, mtimeMs: s.mtimeMs, ino: s.ino, dev: s.dev };
    } catch (error) {
      unreadable.set(path, (error as Error).message);
      return { path, size: 0, mtimeMs: 0, ino: 0, dev: 0 };
    }
  };
  const uploads = await Promise.all(
    drafts.map(async ({ paths, ...draft }) => {
      const sources = await Promise.all(paths.map((p) => limit(() => describe(p))));
      return { ...draft, sources, size: sources.reduce((sum, s) => sum + s.size, 0) };
    }),
  );
  return { uploads, unreadable };
}

/** Throws {@link UploadPlanError} when the plan has error-level problems. */
export function assertUploadable(plan: UploadPlan): void {
  if (plan.problems.some((p) => p.severity === 'error')) throw new UploadPlanError(plan.problems);
}
