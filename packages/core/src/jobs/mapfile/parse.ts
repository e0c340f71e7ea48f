/**
 * Strict parser of `*.fastq-map.csv` files (spec §3.4). Every problem is collected with its
 * line number and reported at once, before anything is sent.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse } from 'csv-parse';
import pLimit from 'p-limit';
import { redactUrl } from '../../redact.js';
import { hasFastqExtension } from '../destination.js';
import { MapFileError, type MapFileProblem } from './errors.js';
import { parseFastqUrl, shown, urlHasFastqExtension } from './path-kind.js';

export type ReadNotation = 'R1' | 'R2';

export interface MapFileGroup {
  clientId: string;
  read: ReadNotation;
  /**
   * Local map: absolute paths (resolved against `cwd`, per spec not the CSV's folder), in row
   * order — they are concatenated into one upload. URL map: the group's URL (exactly one, as
   * duplicates are rejected), verbatim.
   */
  paths: string[];
  /** The 1-based line of each path, in the same order. */
  lines: number[];
}

export interface ParsedMapFile {
  /**
   * {@link parseMapFile}: the absolute path of the map file. {@link parseMapFileContent}: its
   * `file` option as given (default `<content>`).
   */
  file: string;
  kind: 'url' | 'local';
  /** In order of first appearance. */
  groups: MapFileGroup[];
}

export interface ParseMapFileOptions {
  /** Base of relative local paths (and of `path` itself). Default `process.cwd()`. */
  cwd?: string;
}

export interface ParseMapFileContentOptions extends ParseMapFileOptions {
  /**
   * Where the content comes from, for messages (`Invalid map file <file> …`). A path (relative to
   * `cwd`) also enables the hint for local paths that exist next to the map file.
   */
  file?: string;
  /**
   * Accept only http(s) URLs: a local path is a problem of its row, and no file is looked at
   * (for content from an untrusted place, e.g. a workflow, that must not probe the disk).
   */
  urlsOnly?: boolean;
}

const CONTENT_LABEL = '<content>';

export const MAP_FILE_COLUMNS = ['client_id', 'r_notation', 'path'] as const;
const NOTATIONS: Record<string, ReadNotation> = { R1: 'R1', R2: 'R2', r1: 'R1', r2: 'R2' };
const STAT_CONCURRENCY = 16;

interface Row {
  line: number;
  clientId: string;
  read: ReadNotation;
  kind: 'url' | 'local';
  /** URL verbatim, or the absolute local path. */
  path: string;
  /** The cell as written. */
  written: string;
}

interface RawRecord {
  line: number;
  cells: string[];
}

/** Reads a `*.fastq-map.csv` file and parses it with {@link parseMapFileContent}. */
export async function parseMapFile(
  path: string,
  options: ParseMapFileOptions = {},
): Promise<ParsedMapFile> {
  const cwd = options.cwd ?? process.cwd();
  const file = resolve(cwd, path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new MapFileError(path, [{ line: 0, message: unreadable(error, path) }]);
  }
  return { ...(await parseMapFileContent(text, { file: path, cwd })), file };
}

/**
 * Parses the text of a map file (e.g. one received by a workflow rather than stored on disk).
 * Relative local paths are resolved against `cwd` and must exist, as for {@link parseMapFile}.
 * Throws {@link MapFileError} listing every problem.
 */
export async function parseMapFileContent(
  text: string,
  options: ParseMapFileContentOptions = {},
): Promise<ParsedMapFile> {
  const cwd = options.cwd ?? process.cwd();
  const label = options.file ?? CONTENT_LABEL;
  const problems: MapFileProblem[] = [];
  const rows: Row[] = [];

  let headerSeen = false;
  for await (const record of readRecords(text, problems)) {
    if (!headerSeen) {
      headerSeen = true;
      checkHeader(record, problems);
      continue;
    }
    const row = checkRow(record, cwd, problems);
    if (row) rows.push(row);
  }
  if (!headerSeen && problems.length === 0) {
    problems.push({
      line: 0,
      message: `the file is empty; expected the header ${MAP_FILE_COLUMNS.join(',')}`,
    });
  } else if (headerSeen && rows.length === 0 && problems.length === 0) {
    problems.push({ line: 0, message: 'the file has a header but no data rows' });
  }

  const kind = options.urlsOnly ? refuseLocalPaths(rows, problems) : checkKinds(rows, problems);
  checkDuplicates(rows, kind, problems);
  checkReadPairs(rows, problems);
  if (!options.urlsOnly) {
    const mapDir = options.file === undefined ? cwd : dirname(resolve(cwd, options.file));
    await checkLocalFiles(rows, cwd === mapDir ? undefined : mapDir, problems);
  }

  if (problems.length > 0) throw new MapFileError(label, problems);
  return { file: label, kind, groups: groupRows(rows) };
}

function unreadable(error: unknown, shownPath: string): string {
  const e = error as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return `${shownPath} does not exist`;
  if (e.code === 'EISDIR') return `${shownPath} is a directory, not a map file`;
  return `cannot read ${shownPath}: ${e.message}`;
}

async function* readRecords(text: string, problems: MapFileProblem[]): AsyncGenerator<RawRecord> {
  const parser = parse({
    bom: true,
    info: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
  });
  parser.on('skip', (error: Error & { lines?: number }) => {
    problems.push({ line: error.lines ?? 0, message: `not valid CSV: ${error.message}` });
  });
  parser.end(text);
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: string[];
      info: { lines: number };
    }>) {
      // csv-parse reports the line a record ends on; quoted fields may span lines.
      const spanned = record.reduce((n, cell) => n + (cell.match(/\r\n|\r|\n/g)?.length ?? 0), 0);
      yield { line: info.lines - spanned, cells: record };
    }
  } catch (error) {
    const e = error as Error & { code?: string; lines?: number };
    if (e.code?.startsWith('CSV_')) {
      problems.push({ line: e.lines ?? 0, message: `not valid CSV: ${e.message}` });
    } else {
      throw error;
    }
  }
}

function checkHeader({ line, cells }: RawRecord, problems: MapFileProblem[]): void {
  const names = cells.map((c) => c.trim().toLowerCase());
  const expected = MAP_FILE_COLUMNS.join(',');
  if (MAP_FILE_COLUMNS.every((name, i) => names[i] === name)) return;
  let message: string;
  if (MAP_FILE_COLUMNS.every((name) => names.includes(name))) {
    message = `the columns must come in the order ${expected} (values are read by position); found ${shown(cells.join(','))}`;
  } else {
    message = `the first line must be the header ${expected}; found ${shown(cells.join(','))}`;
    if (cells.length === 1 && /[;\t|]/.test(cells[0] ?? '')) {
      message += ' (the file must be comma-separated)';
    }
  }
  problems.push({ line, message });
}

function checkRow(
  { line, cells }: RawRecord,
  cwd: string,
  problems: MapFileProblem[],
): Row | undefined {
  if (cells.length < MAP_FILE_COLUMNS.length) {
    problems.push({
      line,
      message: `expected 3 values (${MAP_FILE_COLUMNS.join(', ')}), found ${cells.length}`,
    });
    return undefined;
  }
  const [clientId = '', notation = '', path = ''] = cells;
  const before = problems.length;
  const report = (message: string) => problems.push({ line, message });

  if (clientId === '') report('client_id is empty');
  else if (clientId.includes('_'))
    report(
      `client_id ${shown(clientId)} contains "_"; uploads are named <client_id>_R1.fastq.gz, so client IDs must not contain underscores`,
    );
  else if (clientId.includes('/'))
    report(
      `client_id ${shown(clientId)} contains "/", which would create a sub-folder in the destination`,
    );
  else if (clientId.trim() !== clientId || /[\u0000-\u001f\u007f]/.test(clientId))
    report(`client_id ${shown(clientId)} has surrounding whitespace or control characters`);

  const read = NOTATIONS[notation];
  if (!read)
    report(`r_notation must be R1 or R2 (r1 and r2 are accepted too); found ${shown(notation)}`);

  let kind: Row['kind'] = 'local';
  let resolved = path;
  const url = parseFastqUrl(path);
  if (path === '') {
    report('path is empty');
  } else if (path.trim() !== path) {
    report(`path ${shown(url ? redactUrl(path) : path)} has leading or trailing whitespace`);
  } else if (url) {
    kind = 'url';
    if (!urlHasFastqExtension(url)) {
      report(
        `URL ${shown(redactUrl(path))} must name a file ending in .fastq.gz, .fastq.bgz, .fq.gz or .fq.bgz (lower case) before any "?"`,
      );
    }
  } else {
    resolved = resolve(cwd, path);
    if (!hasFastqExtension(path)) {
      report(`path ${shown(path)} must end in .fastq.gz, .fastq.bgz, .fq.gz or .fq.bgz`);
    }
  }
  if (problems.length > before || !read) return undefined;
  return { line, clientId, read, kind, path: resolved, written: path };
}

/** A file must be all URLs or all local paths (spec §3.4 checks the first path of each group; we check every row). */
function checkKinds(rows: Row[], problems: MapFileProblem[]): 'url' | 'local' {
  const first = rows[0];
  if (!first) return 'local';
  const urls = rows.filter((r) => r.kind === 'url');
  const locals = rows.filter((r) => r.kind === 'local');
  if (urls.length > 0 && locals.length > 0) {
    // Blame the minority: that is most likely where the mistake is.
    const [majority, minority] = urls.length >= locals.length ? [urls, locals] : [locals, urls];
    const majorityKind = majority[0]!.kind === 'url' ? 'URLs' : 'local paths';
    const minorityKind = majority[0]!.kind === 'url' ? 'a local path' : 'a URL';
    for (const row of minority) {
      problems.push({
        line: row.line,
        message: `${minorityKind} in a map file of ${majorityKind} (first at line ${majority[0]!.line}); a map file must contain only URLs or only local paths`,
      });
    }
  }
  return urls.length > locals.length ? 'url' : 'local';
}

function refuseLocalPaths(rows: Row[], problems: MapFileProblem[]): 'url' {
  for (const row of rows.filter((r) => r.kind === 'local')) {
    problems.push({
      line: row.line,
      message: `path ${shown(redactUrl(row.written))} is not an http(s) URL; only URLs are accepted here`,
    });
  }
  return 'url';
}

/**
 * URL maps: one URL per (client_id, read) — the official client silently ignores later ones,
 * we reject them. Local maps: repeated groups are concatenated (multi-lane FASTQs), but the same
 * file twice is a mistake.
 */
function checkDuplicates(rows: Row[], kind: 'url' | 'local', problems: MapFileProblem[]): void {
  const firstByKey = new Map<string, Row>();
  const firstByPath = new Map<string, Row>();
  for (const row of rows) {
    if (row.kind !== kind) continue;
    const key = `${row.clientId}\u0000${row.read}`;
    const sameKey = firstByKey.get(key);
    if (kind === 'url' && sameKey) {
      problems.push({
        line: row.line,
        message: `duplicate ${row.read} for client_id ${shown(row.clientId)} (first at line ${sameKey.line}); a URL map takes exactly one URL per client_id and read`,
      });
    } else if (!sameKey) {
      firstByKey.set(key, row);
    }
    if (kind === 'local') {
      const samePath = firstByPath.get(row.path);
      if (samePath) {
        problems.push({
          line: row.line,
          message: `the file ${shown(row.path)} is already listed at line ${samePath.line}`,
        });
      } else {
        firstByPath.set(row.path, row);
      }
    }
  }
}

/** R2 without R1 cannot form a sample (single-end data is R1). */
function checkReadPairs(rows: Row[], problems: MapFileProblem[]): void {
  const withR1 = new Set(rows.filter((r) => r.read === 'R1').map((r) => r.clientId));
  const reported = new Set<string>();
  for (const row of rows) {
    if (row.read === 'R2' && !withR1.has(row.clientId) && !reported.has(row.clientId)) {
      reported.add(row.clientId);
      problems.push({
        line: row.line,
        message: `client_id ${shown(row.clientId)} has R2 but no R1 (single-end reads must be R1)`,
      });
    }
  }
}

async function checkLocalFiles(
  rows: Row[],
  mapDir: string | undefined,
  problems: MapFileProblem[],
): Promise<void> {
  const limit = pLimit(STAT_CONCURRENCY);
  await Promise.all(
    rows
      .filter((r) => r.kind === 'local')
      .map((row) =>
        limit(async () => {
          try {
            const s = await stat(row.path);
            if (!s.isFile()) {
              problems.push({
                line: row.line,
                message: `${shown(row.path)} is not a regular file`,
              });
            }
          } catch (error) {
            const code = (error as NodeJS.ErrnoException).code;
            let message: string;
            if (code === 'ENOENT' || code === 'ENOTDIR') {
              message = `${shown(row.written)} does not exist (resolved to ${row.path})`;
              if (/^[a-z][a-z0-9+.-]*:\/\//i.test(row.written)) {
                // spec §3.4: only http(s) URLs are URLs; say so instead of a puzzling local path
                message = `${shown(redactUrl(row.written))} is not an http:// or https:// URL, so it was read as a local path, which does not exist; only http(s) URLs can be imported`;
              } else if (mapDir && (await isFile(resolve(mapDir, row.written)))) {
                message +=
                  '; it exists next to the map file, but relative paths are resolved against the current directory';
              }
            } else {
              message = `${shown(row.written)} cannot be read (${code ?? 'error'})`;
            }
            problems.push({ line: row.line, message });
          }
        }),
      ),
  );
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function groupRows(rows: Row[]): MapFileGroup[] {
  const groups = new Map<string, MapFileGroup>();
  for (const row of rows) {
    const key = `${row.clientId}\u0000${row.read}`;
    let group = groups.get(key);
    if (!group) {
      group = { clientId: row.clientId, read: row.read, paths: [], lines: [] };
      groups.set(key, group);
    }
    group.paths.push(row.path);
    group.lines.push(row.line);
  }
  return [...groups.values()];
}
