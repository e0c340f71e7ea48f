/**
 * Bad input given to the CLI: flags and their combinations, map files, metadata JSON, download
 * templates, configuration. Each case is refused before anything is sent (exit 2) with one
 * message that names the input and the problem.
 */
import type { Sandbox } from '@gencove/sandbox';

export interface CaseContext {
  sb: Sandbox;
  projectId: string;
  sampleId: string;
}

export interface CliCase {
  name: string;
  args: (c: CaseContext) => string[];
  /** Files created in the case's working directory before the run. */
  files?: Record<string, string | Buffer>;
  /** Environment changes (`undefined` removes a variable). */
  env?: (c: CaseContext) => Record<string, string | undefined>;
  code: number;
  /** The one ERROR line must match this: naming the input and what is wrong with it. */
  message: RegExp;
  /** The details under the ERROR line (map file problems, …) must match this. */
  detail?: RegExp;
  /** Requests this case may send: none at all (default), or only reads. */
  requests?: 'none' | 'reads';
}

const READS = { 'reads/S1_R1.fastq.gz': 'reads', 'reads/S1_R2.fastq.gz': 'reads' };
const map = (...rows: string[]) => `client_id,r_notation,path\n${rows.join('\n')}\n`;
const URL_OK = 'https://lab.example.org/runs/S1_R1.fastq.gz';
const UUID = '0b3a6b9e-5b8f-4a59-9d8e-3c1f1f0a7c11';

export const CLI_CASES: CliCase[] = [
  // --- upload: flags and combinations
  {
    name: 'upload: a source that does not exist',
    args: () => ['upload', 'missing-folder', 'gncv://bad/'],
    code: 2,
    message: /Source .*missing-folder does not exist/,
  },
  {
    name: 'upload: a folder without FASTQs',
    files: { 'docs/readme.txt': 'x' },
    args: () => ['upload', 'docs', 'gncv://bad/'],
    code: 2,
    message: /No FASTQ files found in .*docs/,
  },
  {
    name: 'upload: an empty FASTQ',
    files: { 'empty/S1_R1.fastq.gz': '' },
    args: () => ['upload', 'empty', 'gncv://bad/'],
    code: 2,
    message: /The upload was not started: 1 problem/,
    detail: /S1_R1\.fastq\.gz is empty/,
  },
  {
    name: 'upload: a destination that is not gncv://',
    files: READS,
    args: () => ['upload', 'reads', 's3://bucket/x'],
    code: 2,
    message: /destination .*must start with gncv:\/\//i,
  },
  {
    name: 'upload: a destination with ".." segments',
    files: READS,
    args: () => ['upload', 'reads', 'gncv://a/../b'],
    code: 2,
    message: /Invalid destination "gncv:\/\/a\/..\/b": .*".." path segments/,
  },
  {
    name: 'upload: --run-project-id is not a UUID',
    files: READS,
    args: () => ['upload', 'reads', 'gncv://bad/', '--run-project-id', 'plate-7'],
    code: 2,
    message: /--run-project-id must be a UUID, got "plate-7"/,
  },
  {
    name: 'upload: --metadata is not JSON',
    files: READS,
    args: (c) => ['upload', 'reads', '--run-project-id', c.projectId, '--metadata', "{'plate': 7}"],
    code: 2,
    message: /--metadata is not valid JSON/,
  },
  {
    name: 'upload: --metadata is cut off',
    files: READS,
    args: (c) => ['upload', 'reads', '--run-project-id', c.projectId, '--metadata', '[1,2'],
    code: 2,
    message: /--metadata is not valid JSON/,
  },
  {
    name: 'upload: --metadata is empty',
    files: READS,
    args: (c) => ['upload', 'reads', '--run-project-id', c.projectId, '--metadata', ''],
    code: 2,
    message: /--metadata is not valid JSON/,
  },
  {
    name: 'upload: --metadata without --run-project-id',
    files: READS,
    args: () => ['upload', 'reads', '--metadata', '{}'],
    code: 2,
    message: /--metadata and --output can only be used together with --run-project-id/,
  },
  {
    name: 'upload: --output without --run-project-id',
    files: READS,
    args: () => ['upload', 'reads', '--output', 'out.json'],
    code: 2,
    message: /--metadata and --output can only be used together with --run-project-id/,
  },
  {
    name: 'upload: --output - together with --json',
    files: READS,
    args: (c) => ['upload', 'reads', '--run-project-id', c.projectId, '--output', '-', '--json'],
    code: 2,
    message: /--output - cannot be combined with --json/,
  },
  {
    name: 'upload: --concurrency 0',
    files: READS,
    args: () => ['upload', 'reads', '--concurrency', '0'],
    code: 2,
    message: /--concurrency must be a whole number from 1 to 64; got "0"/,
  },
  {
    name: 'upload: --concurrency 65',
    files: READS,
    args: () => ['upload', 'reads', '--concurrency', '65'],
    code: 2,
    message: /--concurrency must be a whole number from 1 to 64; got "65"/,
  },
  {
    name: 'upload: an unknown flag',
    files: READS,
    args: () => ['upload', 'reads', '--frobnicate'],
    code: 2,
    message: /unknown option '--frobnicate'/,
  },
  {
    name: 'upload: a source that is neither a folder nor a *.fastq-map.csv',
    files: { 'runs.csv': map(`S1,R1,${URL_OK}`) },
    args: () => ['upload', 'runs.csv'],
    code: 2,
    message: /Source runs\.csv must be a directory or a map file named \*\.fastq-map\.csv/,
  },
  // --- map files
  {
    name: 'map file: broken CSV (unclosed quote)',
    files: {
      ...READS,
      'm.fastq-map.csv': 'client_id,r_notation,path\n"S1,R1,reads/S1_R1.fastq.gz\n',
    },
    args: () => ['upload', 'm.fastq-map.csv', 'gncv://bad/'],
    code: 2,
    message: /Invalid map file m\.fastq-map\.csv \(1 problem; nothing was sent\)/,
    detail: /line 2: not valid CSV/,
  },
  {
    name: 'map file: wrong header',
    files: { ...READS, 'm.fastq-map.csv': 'client,read,path\nS1,R1,reads/S1_R1.fastq.gz\n' },
    args: () => ['upload', 'm.fastq-map.csv', 'gncv://bad/'],
    code: 2,
    message: /Invalid map file m\.fastq-map\.csv/,
    detail:
      /line 1: the first line must be the header client_id,r_notation,path; found "client,read,path"/,
  },
  {
    name: 'map file: read notation R3',
    files: { ...READS, 'm.fastq-map.csv': map('S1,R3,reads/S1_R1.fastq.gz') },
    args: () => ['upload', 'm.fastq-map.csv', 'gncv://bad/'],
    code: 2,
    message: /Invalid map file m\.fastq-map\.csv/,
    detail: /line 2: r_notation must be R1 or R2 .*found "R3"/,
  },
  {
    name: 'map file: URLs and local paths mixed',
    files: { ...READS, 'm.fastq-map.csv': map('S1,R1,reads/S1_R1.fastq.gz', `S2,R1,${URL_OK}`) },
    args: () => ['upload', 'm.fastq-map.csv', 'gncv://bad/'],
    code: 2,
    message: /Invalid map file m\.fastq-map\.csv/,
    detail: /a map file must contain only URLs or only local paths/,
  },
  {
    name: 'map file: the same local file twice',
    files: {
      ...READS,
      'm.fastq-map.csv': map('S1,R1,reads/S1_R1.fastq.gz', 'S1,R1,reads/S1_R1.fastq.gz'),
    },
    args: () => ['upload', 'm.fastq-map.csv', 'gncv://bad/'],
    code: 2,
    message: /Invalid map file m\.fastq-map\.csv/,
    detail: /line 3: the file .*S1_R1\.fastq\.gz" is already listed at line 2/,
  },
  {
    name: 'map file: two URLs for one client ID and read',
    files: {
      'm.fastq-map.csv': map(
        `S1,R1,${URL_OK}`,
        'S1,R1,https://lab.example.org/runs/S1b_R1.fastq.gz',
      ),
    },
    args: () => ['upload', 'm.fastq-map.csv', 'gncv://bad/'],
    code: 2,
    message: /Invalid map file m\.fastq-map\.csv/,
    detail: /line 3: duplicate R1 for client_id "S1" \(first at line 2\)/,
  },
  {
    name: 'map file: a header and no rows',
    files: { 'm.fastq-map.csv': map() },
    args: () => ['upload', 'm.fastq-map.csv', 'gncv://bad/'],
    code: 2,
    message: /Invalid map file m\.fastq-map\.csv/,
    detail: /the file has a header but no data rows/,
  },
  {
    name: 'map file: an empty client_id',
    files: { ...READS, 'm.fastq-map.csv': map(',R1,reads/S1_R1.fastq.gz') },
    args: () => ['upload', 'm.fastq-map.csv', 'gncv://bad/'],
    code: 2,
    message: /Invalid map file m\.fastq-map\.csv/,
    detail: /line 2: client_id is empty/,
  },
  {
    name: 'map file: a local file that does not exist',
    files: { 'm.fastq-map.csv': map('S1,R1,reads/missing_R1.fastq.gz') },
    args: () => ['upload', 'm.fastq-map.csv', 'gncv://bad/'],
    code: 2,
    message: /Invalid map file m\.fastq-map\.csv/,
    detail: /line 2: "reads\/missing_R1\.fastq\.gz" does not exist/,
  },
  {
    name: 'map file: a local path without a FASTQ extension',
    files: { 'reads/S1_R1.txt': 'x', 'm.fastq-map.csv': map('S1,R1,reads/S1_R1.txt') },
    args: () => ['upload', 'm.fastq-map.csv', 'gncv://bad/'],
    code: 2,
    message: /Invalid map file m\.fastq-map\.csv/,
    detail: /line 2: path "reads\/S1_R1\.txt" must end in \.fastq\.gz/,
  },
  {
    name: 'map file: a URL without a FASTQ file name',
    files: { 'm.fastq-map.csv': map('S1,R1,https://lab.example.org/runs/S1_R1.txt') },
    args: () => ['upload', 'm.fastq-map.csv', 'gncv://bad/'],
    code: 2,
    message: /Invalid map file m\.fastq-map\.csv/,
    detail:
      /line 2: URL "https:\/\/lab\.example\.org\/runs\/S1_R1\.txt" must name a file ending in \.fastq\.gz/,
  },
  {
    name: 'map file: an ftp:// URL',
    files: { 'm.fastq-map.csv': map('S1,R1,ftp://lab.example.org/runs/S1_R1.fastq.gz') },
    args: () => ['upload', 'm.fastq-map.csv', 'gncv://bad/'],
    code: 2,
    message: /Invalid map file m\.fastq-map\.csv/,
    detail:
      /line 2: "ftp:\/\/lab\.example\.org\/runs\/S1_R1\.fastq\.gz" is not an http:\/\/ or https:\/\/ URL/,
  },
  {
    name: 'map file: a presigned URL that has expired',
    files: {
      'm.fastq-map.csv': map(
        `S1,R1,${URL_OK}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20200101T000000Z&X-Amz-Expires=3600&X-Amz-Signature=0f1e2d3c4b5a69788796a5b4c3d2e1f0`,
      ),
    },
    args: () => ['upload', 'm.fastq-map.csv', 'gncv://bad/'],
    code: 2,
    message: /Invalid map file .*m\.fastq-map\.csv/,
    detail:
      /line 2: https:\/\/lab\.example\.org\/runs\/S1_R1\.fastq\.gz: AWS S3 presigned URL expired at 2020-01-01T01:00:00Z/,
  },
  {
    name: 'map file of URLs: --expiry-margin is not a duration',
    files: { 'm.fastq-map.csv': map(`S1,R1,${URL_OK}`) },
    args: () => ['upload', 'm.fastq-map.csv', '--expiry-margin', 'soon'],
    code: 2,
    message: /--expiry-margin must be a duration .*got "soon"/,
  },
  {
    name: 'map file of URLs: --concurrency 0',
    files: { 'm.fastq-map.csv': map(`S1,R1,${URL_OK}`) },
    args: () => ['upload', 'm.fastq-map.csv', '--concurrency', '0'],
    code: 2,
    message: /--concurrency must be a whole number from 1 to 64; got "0"/,
  },
  // --- download: flags, destinations, templates
  {
    name: 'download: neither --project-id nor --sample-ids',
    args: () => ['download', 'out'],
    code: 2,
    message: /Give exactly one of --project-id and --sample-ids/,
  },
  {
    name: 'download: both --project-id and --sample-ids',
    args: (c) => ['download', 'out', '--project-id', c.projectId, '--sample-ids', c.sampleId],
    code: 2,
    message: /Give exactly one of --project-id and --sample-ids/,
  },
  {
    name: 'download: --sample-ids with a client ID instead of a UUID',
    args: () => ['download', 'out', '--sample-ids', 'S1'],
    code: 2,
    message: /--sample-ids must be a UUID, got "S1"/,
  },
  {
    name: 'download: an unknown --status',
    args: (c) => ['download', 'out', '--project-id', c.projectId, '--status', 'done'],
    code: 2,
    message: /--status must be one of .*got "done"/,
  },
  {
    name: 'download: --restore with --skip-archived',
    args: (c) => ['download', 'out', '--project-id', c.projectId, '--restore', '--skip-archived'],
    code: 2,
    message: /Give --restore or --skip-archived, not both/,
  },
  {
    name: 'download: "-" with --json',
    args: (c) => ['download', '-', '--project-id', c.projectId, '--json'],
    code: 2,
    message: /DESTINATION "-" .*cannot be combined with --json/,
  },
  {
    name: 'download: --checksums with "-"',
    args: (c) => ['download', '-', '--project-id', c.projectId, '--checksums'],
    code: 2,
    message: /--checksums .*cannot be used with "-"/,
  },
  {
    name: 'download: --endpoint-url for a local destination',
    args: (c) => [
      'download',
      'out',
      '--project-id',
      c.projectId,
      '--endpoint-url',
      'http://127.0.0.1:9',
    ],
    code: 2,
    message: /--endpoint-url and --region apply to an s3:\/\/bucket\/prefix DESTINATION/,
  },
  {
    name: 'download: --parallel-files 0',
    args: (c) => ['download', 'out', '--project-id', c.projectId, '--parallel-files', '0'],
    code: 2,
    message: /--parallel-files must be a whole number from 1 to 64; got "0"/,
  },
  {
    name: 'download: --concurrency 1000',
    args: (c) => ['download', 'out', '--project-id', c.projectId, '--concurrency', '1000'],
    code: 2,
    message: /--concurrency must be a whole number from 1 to 256; got "1000"/,
  },
  {
    name: 'download: an invalid S3 bucket name',
    args: (c) => ['download', 's3://Bad_Bucket/x', '--project-id', c.projectId],
    code: 2,
    message: /Invalid S3 bucket name "Bad_Bucket" in s3:\/\/Bad_Bucket\/x/,
  },
  {
    name: 'download: an S3 prefix with ".."',
    args: (c) => ['download', 's3://lab-bucket/a/../b', '--project-id', c.projectId],
    code: 2,
    message: /Invalid S3 prefix in s3:\/\/lab-bucket\/a\/..\/b/,
  },
  {
    name: 'download: --file-types is empty',
    args: (c) => ['download', 'out', '--project-id', c.projectId, '--file-types', ''],
    code: 2,
    message: /--file-types is empty/,
  },
  {
    name: 'download: --since is empty',
    args: (c) => ['download', 'out', '--project-id', c.projectId, '--since', ''],
    code: 2,
    message: /--since is empty/,
  },
  {
    name: 'download template: climbs out with ../',
    args: (c) => [
      'download',
      'out',
      '--project-id',
      c.projectId,
      '--download-template',
      '../{default_filename}',
    ],
    code: 2,
    message:
      /Invalid --download-template "\.\.\/\{default_filename\}": it contains a "\.\." path segment/,
  },
  {
    name: 'download template: an absolute path',
    args: (c) => [
      'download',
      'out',
      '--project-id',
      c.projectId,
      '--download-template',
      '/etc/{default_filename}',
    ],
    code: 2,
    message: /Invalid --download-template "\/etc\/\{default_filename\}": it must be relative/,
  },
  {
    name: 'download template: empty',
    args: (c) => ['download', 'out', '--project-id', c.projectId, '--download-template', ''],
    code: 2,
    message: /Invalid --download-template "": it is empty/,
  },
  {
    name: 'download template: an unknown placeholder',
    args: (c) => [
      'download',
      'out',
      '--project-id',
      c.projectId,
      '--download-template',
      '{sample}',
    ],
    code: 2,
    message: /--download-template.*unknown placeholder \{sample\}/,
  },
  {
    name: 'download template: every file of a sample on one name',
    args: (c) => [
      'download',
      'out',
      '--project-id',
      c.projectId,
      '--download-template',
      '{client_id}',
    ],
    code: 2,
    message:
      /Bad --download-template: .* both resolve to .*Include \{gencove_id\}, \{file_type\} or \{default_filename\}/,
    requests: 'reads',
  },
  // --- wait
  {
    name: 'wait: no --project-id',
    args: () => ['wait'],
    code: 2,
    message: /required option '--project-id <uuid>' not specified/,
  },
  {
    name: 'wait: --timeout is not a duration',
    args: (c) => ['wait', '--project-id', c.projectId, '--timeout', 'soon'],
    code: 2,
    message: /--timeout must be a duration .*got "soon"/,
  },
  {
    name: 'wait: --poll-interval below one second',
    args: (c) => ['wait', '--project-id', c.projectId, '--poll-interval', '10ms'],
    code: 2,
    message: /--poll-interval must be at least 1s; got "10ms"/,
  },
  {
    name: 'wait: --max-poll-interval shorter than --poll-interval',
    args: (c) => [
      'wait',
      '--project-id',
      c.projectId,
      '--poll-interval',
      '5s',
      '--max-poll-interval',
      '1s',
    ],
    code: 2,
    message: /--max-poll-interval must not be shorter than --poll-interval/,
  },
  {
    name: 'wait: --sample-ids and --client-ids together',
    args: (c) => [
      'wait',
      '--project-id',
      c.projectId,
      '--sample-ids',
      c.sampleId,
      '--client-ids',
      'S1',
    ],
    code: 2,
    message: /Give at most one of --sample-ids, --client-ids and --from-output/,
  },
  {
    name: 'wait: --from-output names a missing file',
    args: (c) => ['wait', '--project-id', c.projectId, '--from-output', 'nope.json'],
    code: 2,
    message: /--from-output: cannot read nope\.json/,
  },
  {
    name: 'wait: --from-output is not JSON',
    files: { 'out.json': '{"x":' },
    args: (c) => ['wait', '--project-id', c.projectId, '--from-output', 'out.json'],
    code: 2,
    message: /--from-output out\.json: the assignment output is not valid JSON/,
  },
  {
    name: 'wait: --from-output is JSON of the wrong shape',
    files: { 'out.json': '{}' },
    args: (c) => ['wait', '--project-id', c.projectId, '--from-output', 'out.json'],
    code: 2,
    message: /--from-output out\.json: the assignment output must be a JSON array/,
  },
  // --- configuration and credentials
  {
    name: 'config: GENCOVE_HOST without a scheme',
    args: () => ['projects', 'list'],
    env: () => ({ GENCOVE_HOST: 'api.gencove.com' }),
    code: 2,
    message: /Invalid GENCOVE_HOST "api\.gencove\.com": it must be a URL including the scheme/,
  },
  {
    name: 'config: --host with an ftp:// scheme',
    args: () => ['projects', 'list', '--host', 'ftp://api.gencove.com'],
    code: 2,
    message: /Invalid host "ftp:\/\/api\.gencove\.com": the scheme must be http:\/\/ or https:\/\//,
  },
  {
    name: 'config: GENCOVE_API_KEY and GENCOVE_EMAIL both set',
    args: () => ['projects', 'list'],
    env: () => ({ GENCOVE_EMAIL: 'lab@example.org' }),
    code: 2,
    message: /Both GENCOVE_API_KEY and GENCOVE_EMAIL are set/,
  },
  {
    name: 'config: an e-mail without a password, and no terminal to ask',
    args: () => ['projects', 'list'],
    env: () => ({ GENCOVE_API_KEY: undefined, GENCOVE_EMAIL: 'lab@example.org' }),
    code: 2,
    message:
      /A password \(--password or GENCOVE_PASSWORD\) is required and standard input is not a terminal/,
  },
  {
    name: 'projects list-samples: PROJECT_ID is not a UUID',
    args: () => ['projects', 'list-samples', 'not-a-uuid'],
    code: 2,
    message: /PROJECT_ID must be a UUID, got "not-a-uuid"/,
  },
  {
    name: 'uploads list: an unknown --status',
    args: () => ['uploads', 'list', '--status', 'new'],
    code: 2,
    message: /--status must be one of all, unassigned, assigned; got "new"/,
  },
  // --- map-file
  {
    name: 'map-file: not an S3 location',
    args: () => ['map-file', 'lab-bucket/runs'],
    code: 2,
    message: /"lab-bucket\/runs" is not an S3 location/,
  },
  {
    name: 'map-file: --expires-in without --presign',
    args: () => ['map-file', 's3://lab-bucket/runs/', '--expires-in', '1d'],
    code: 2,
    message: /--expires-in only applies with --presign/,
  },
  {
    name: "map-file: --expires-in beyond S3's 7 days",
    args: () => ['map-file', 's3://lab-bucket/runs/', '--presign', '--expires-in', '30d'],
    code: 2,
    message: /--expires-in must be between 1s and 7d .*got "30d"/,
  },
  // --- doctor
  {
    name: 'doctor: --min-free is not a size',
    args: () => ['doctor', '--min-free', 'lots'],
    code: 2,
    message: /--min-free must be a size such as 500M, 10G or 1T; got "lots"/,
  },
  {
    name: 'doctor: --endpoint-url without an s3:// --destination',
    args: () => ['doctor', '--endpoint-url', 'http://127.0.0.1:9'],
    code: 2,
    message: /--endpoint-url and --region apply to an s3:\/\/bucket\/prefix --destination/,
  },
  {
    name: 'samples get: SAMPLE_ID is not a UUID',
    args: () => ['samples', 'get', UUID.slice(0, 8)],
    code: 2,
    message: /SAMPLE_ID must be a UUID/,
  },
];
