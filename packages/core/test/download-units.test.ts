/**
 * Pure parts of the download job: naming template and path safety, server file names, file-type
 * filter, the exact bytes of the QC / metadata / download-urls files, resume planning.
 */
import { describe, expect, it } from 'vitest';
import {
  ChecksumMismatchError,
  createFileTypeFilter,
  DEFAULT_DOWNLOAD_TEMPLATE,
  DiskFullError,
  DownloadFailedError,
  DownloadInputError,
  defaultFilename,
  downloadUrlsEntry,
  fileExtension,
  formatDownloadUrlsJson,
  formatMetadataDownloadFile,
  formatMetadataFile,
  formatQcJson,
  NetworkError,
  NotFoundError,
  parseDownloadTemplate,
  parseS3Destination,
  renderDownloadPath,
  type SampleDetail,
  statusAdmits,
  type TemplateValues,
  TimeoutError,
  UnsafePathError,
  validateFileTypes,
} from '../src/index.js';
import { diskFullError } from '../src/jobs/download/errors.js';
import { floatRepr, pythonJsonDumps } from '../src/jobs/download/python-json.js';
import { s3PartSize } from '../src/jobs/download/s3-delivery.js';
import { resolveInside } from '../src/jobs/download/safe-path.js';

const values: TemplateValues = {
  client_id: 'PLT4-A03',
  gencove_id: '4c0468d4-18dc-471c-9201-2084cd81599b',
  file_type: 'fastq-r1',
  file_extension: 'fastq.gz',
  default_filename: '4c0468d4-18dc-471c-9201-2084cd81599b_R1.fastq.gz',
};

describe('naming template (spec §9.3)', () => {
  it('renders the spec examples', () => {
    const render = (t: string, v: Partial<TemplateValues> = {}) =>
      renderDownloadPath(parseDownloadTemplate(t), { ...values, ...v }).join('/');
    expect(render(DEFAULT_DOWNLOAD_TEMPLATE)).toBe(
      'PLT4-A03/4c0468d4-18dc-471c-9201-2084cd81599b/4c0468d4-18dc-471c-9201-2084cd81599b_R1.fastq.gz',
    );
    expect(render('{client_id}.{file_extension}')).toBe('PLT4-A03.fastq.gz');
    expect(render('{client_id}_{file_type}.{file_extension}')).toBe('PLT4-A03_fastq-r1.fastq.gz');
    // decision: file-level placeholders work in directory segments too
    expect(render('{file_type}/{client_id}')).toBe('fastq-r1/PLT4-A03');
    expect(render('{{literal}}/{client_id}')).toBe('{literal}/PLT4-A03');
    // a client id with "/" makes directories (as the official client); empty pieces collapse
    expect(render(DEFAULT_DOWNLOAD_TEMPLATE, { client_id: 'plate1/A01' }).split('/').length).toBe(
      4,
    );
    expect(render(DEFAULT_DOWNLOAD_TEMPLATE, { client_id: '' }).split('/').length).toBe(2);
  });

  it.each([
    ['', 'empty'],
    ['/etc/{client_id}', 'relative'],
    ['C:/x/{client_id}', 'relative'],
    ['../{default_filename}', '".."'],
    ['a/./{default_filename}', '"."'],
    ['a//{default_filename}', 'empty path segment'],
    ['{client_id}/', 'empty path segment'],
    ['{sample_id}', 'unknown placeholder {sample_id}'],
    ['{client_id!r}', 'unknown placeholder'],
    ['{client_id', 'not closed'],
    ['x}', 'single "}"'],
    ['a\u0000b', 'control character'],
    ['a\\b/{client_id}', 'backslash'],
  ])('rejects %j before any request (%s)', (template, why) => {
    expect(() => parseDownloadTemplate(template)).toThrow(DownloadInputError);
    expect(() => parseDownloadTemplate(template)).toThrow(why);
  });

  it.each([
    [{ default_filename: '../../etc/passwd' }, 'path separator'],
    [{ default_filename: 'a/b.vcf' }, 'path separator'],
    [{ default_filename: 'a\\b.vcf' }, 'path separator'],
    [{ default_filename: '..' }, '".." path segment'],
    [{ default_filename: '' }, 'empty file name'],
    [{ client_id: '../..' }, '".." path segment'],
    [{ client_id: 'a\u0007b' }, 'control character'],
    [{ client_id: 'x\u0000' }, 'control character'],
    [{ file_type: '../x' }, 'path separator'],
    [{ client_id: 'x'.repeat(300) }, 'longer than 255 bytes'],
  ])('refuses hostile server values %j', (hostile, why) => {
    const t = parseDownloadTemplate(DEFAULT_DOWNLOAD_TEMPLATE);
    expect(() => renderDownloadPath(t, { ...values, ...hostile })).toThrow(UnsafePathError);
    expect(() => renderDownloadPath(t, { ...values, ...hostile })).toThrow(why);
  });

  it('resolveInside proves containment', () => {
    expect(resolveInside('/data/out', ['a', 'b.txt'], 'x')).toBe('/data/out/a/b.txt');
    expect(() => resolveInside('/data/out', ['..', 'b'], 'x')).toThrow(UnsafePathError);
    // the file name leaves room for <name>.part.json.tmp under the 255-byte limit
    expect(resolveInside('/d', ['a'.repeat(255), 'b'.repeat(241)], 'x')).toContain('b'.repeat(241));
    expect(() => resolveInside('/d', ['b'.repeat(242)], 'x')).toThrow(/241 at most/);
  });
});

describe('server-suggested file names', () => {
  const url = (disposition?: string) =>
    `https://bucket.s3.amazonaws.com/deliverables/4c04/r1.fastq.gz?${
      disposition ? `response-content-disposition=${encodeURIComponent(disposition)}&` : ''
    }X-Amz-Signature=abc`;
  it.each([
    ['attachment; filename=4c04_R1.fastq.gz', '4c04_R1.fastq.gz'],
    ['attachment; filename="quoted name.vcf.gz"', 'quoted name.vcf.gz'],
    [`attachment; filename*=UTF-8''%C3%A9chantillon.vcf.gz`, 'échantillon.vcf.gz'],
    [undefined, 'r1.fastq.gz'],
  ])('%j → %j', (disposition, name) => {
    expect(defaultFilename(url(disposition))).toBe(name);
  });
  it('{file_extension} is everything after the first dot', () => {
    expect(fileExtension('4c04.impute.vcf.gz.tbi')).toBe('impute.vcf.gz.tbi');
    expect(fileExtension('README')).toBe('');
  });
});

describe('file-type filter (decision on the spec §9.1 prefix quirk)', () => {
  it('selects exact keys; "*" asks for a prefix; nothing = everything', () => {
    const exact = createFileTypeFilter(['wgs-gvcf']);
    expect(exact.admits('wgs-gvcf')).toBe(true);
    expect(exact.admits('wgs-gvcf_indexed')).toBe(false);
    expect(createFileTypeFilter(['wgs-gvcf*']).admits('wgs-gvcf_indexed')).toBe(true);
    expect(createFileTypeFilter(undefined).admits('qc')).toBe(true);
  });
  it('lists every invalid key with the valid ones', () => {
    expect(() => validateFileTypes(['impute-vcf', 'vcf', 'x*'], ['impute-vcf', 'qc'])).toThrow(
      'Invalid --file-types "vcf", "x*": not among the file types of this selection: impute-vcf, qc.',
    );
  });
});

describe('status filter', () => {
  it.each([
    ['succeeded', 'succeeded', true],
    ['succeeded', 'failed qc', false],
    ['completed', 'failed qc', true],
    ['completed', 'failed', false],
    ['failed', 'failed', true],
    ['all', 'failed', true],
    ['all', 'running', false],
  ] as const)('--status %s admits %j: %s', (filter, status, admitted) => {
    expect(statusAdmits(filter, status)).toBe(admitted);
  });
});

describe('bytes of the generated files', () => {
  it('QC JSON (spec §9.7): Python separators, null and "" members dropped, floats as floats', () => {
    expect(
      formatQcJson([
        {
          quality_control_type: { key: 'format', type: 'bool', name: 'FASTQ format check' },
          quality_control: {
            value_expected: null,
            value_measured: null,
            value_string: '',
            status: 'failed',
          },
        },
        {
          quality_control_type: { key: 'bases_dedup', type: 'float' },
          quality_control: {
            value_expected: 1000000000,
            value_measured: 1843310271.5,
            value_string: '',
            status: 'pass',
          },
        },
      ]),
    ).toBe(
      '[{"quality_control_type": {"key": "format", "type": "bool"}, "quality_control": {"status": "failed"}}, ' +
        '{"quality_control_type": {"key": "bases_dedup", "type": "float"}, "quality_control": ' +
        '{"value_expected": 1000000000.0, "value_measured": 1843310271.5, "status": "pass"}}]',
    );
  });

  it('metadata files: compact for download (§9.7), Python spacing for download-file (§10)', () => {
    expect(formatMetadataFile({ batch: '2026-01' })).toBe('{"metadata":{"batch":"2026-01"}}');
    expect(formatMetadataFile(null)).toBe('{"metadata":null}');
    // json.dumps({"metadata": {"lab": "Zürich 🧬"}}, separators=(",", ":"))
    expect(formatMetadataFile({ lab: 'Zürich 🧬' })).toBe(
      '{"metadata":{"lab":"Z\\u00fcrich \\ud83e\\uddec"}}',
    );
    expect(formatMetadataDownloadFile({ batch: '2026-01', n: [1, 2] })).toBe(
      '{"metadata": {"batch": "2026-01", "n": [1, 2]}}',
    );
    expect(pythonJsonDumps({ s: 'é✓' })).toBe('{"s": "\\u00e9\\u2713"}');
  });

  it('Python float repr', () => {
    expect([1, 1e16, 1.5e-5, 0.0001, 123456789012345.6, 0.1].map(floatRepr)).toEqual([
      '1.0',
      '1e+16',
      '1.5e-05',
      '0.0001',
      '123456789012345.6',
      '0.1',
    ]);
  });

  it('--download-urls JSON (spec §9.8): shape, timestamps, 4-space indent, filter', () => {
    const sample = {
      id: '4c0468d4-18dc-471c-9201-2084cd81599b',
      client_id: 'PLT4-A03',
      last_status: {
        id: 's1',
        status: 'succeeded',
        note: '',
        created: '2026-01-05T11:02:40.118530Z',
      },
      archive_last_status: {
        id: 'a1',
        status: 'available',
        created: '2026-01-05 09:15:11.702410+00:00',
        transition_cutoff: null,
      },
      files: [
        { id: 'f1', file_type: 'fastq-r1', download_url: 'https://x/r1?sig', checksum_sha256: '' },
        {
          id: 'f2',
          file_type: 'impute-vcf',
          download_url: 'https://x/v?sig',
          checksum_sha256: 'ab',
        },
      ],
    } as unknown as SampleDetail;
    const entry = downloadUrlsEntry(sample, createFileTypeFilter(['impute-vcf']));
    expect(formatDownloadUrlsJson([entry])).toBe(`[
    {
        "gencove_id": "4c0468d4-18dc-471c-9201-2084cd81599b",
        "client_id": "PLT4-A03",
        "last_status": {
            "id": "s1",
            "status": "succeeded",
            "created": "2026-01-05T11:02:40.118530+00:00"
        },
        "archive_last_status": {
            "id": "a1",
            "status": "available",
            "created": "2026-01-05T09:15:11.702410+00:00",
            "transition_cutoff": null
        },
        "files": {
            "impute-vcf": {
                "id": "f2",
                "download_url": "https://x/v?sig",
                "checksum_sha256": "ab"
            }
        }
    }
]`);
    const anonymous = downloadUrlsEntry({ ...sample, client_id: null }, createFileTypeFilter());
    expect(formatDownloadUrlsJson([anonymous])).toContain('"client_id": null,');
    // Spec open question 12: a deleted sample's statuses may be null; the shape is kept.
    const statusless = downloadUrlsEntry(
      { ...sample, last_status: null, archive_last_status: null } as unknown as SampleDetail,
      createFileTypeFilter(),
    );
    expect(statusless.last_status).toEqual({ id: null, status: null, created: null });
    expect(statusless.archive_last_status).toEqual({
      id: null,
      status: null,
      created: null,
      transition_cutoff: null,
    });
  });
});

describe('a full disk', () => {
  it('is told as such, with the way on; other file-system errors are left as they are', () => {
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), {
      code: 'ENOSPC',
    });
    const full = diskFullError(enospc, '/data/out/A01/x.bam');
    expect(full).toBeInstanceOf(DiskFullError);
    expect(full?.code).toBe('ERR_GENCOVE_DISK_FULL');
    expect(full?.message).toBe(
      'No space left for /data/out/A01/x.bam (ENOSPC): free some space (or raise the quota) and ' +
        're-run the same command; what was fetched is kept in .part files and resumed.',
    );
    expect(
      diskFullError(Object.assign(new Error('quota'), { code: 'EDQUOT' }), 'x'),
    ).toBeInstanceOf(DiskFullError);
    expect(diskFullError(Object.assign(new Error('denied'), { code: 'EACCES' }), 'x')).toBe(
      undefined,
    );
  });
});

describe('the code of a partly failed run', () => {
  const failed = (...errors: Error[]) =>
    new DownloadFailedError(
      errors.map((error, i) => ({ sampleId: 's', fileType: 't', target: `f${i}`, error })),
    ).code;
  const network = () => new NetworkError('reset');
  const timeout = () => new TimeoutError('stalled', { phase: 'body', timeoutMs: 1 });
  it('is the common cause, network and timeout counting as one, a checksum first', () => {
    expect(failed(new NotFoundError('gone'), new NotFoundError('gone'))).toBe(
      'ERR_GENCOVE_NOT_FOUND',
    );
    expect(failed(timeout(), timeout())).toBe('ERR_GENCOVE_TIMEOUT');
    expect(failed(network(), timeout())).toBe('ERR_GENCOVE_NETWORK');
    expect(failed(network(), new NotFoundError('gone'))).toBe('ERR_GENCOVE_DOWNLOAD');
    expect(failed(network(), new ChecksumMismatchError('f', 'a', 'b', 2))).toBe(
      'ERR_GENCOVE_CHECKSUM',
    );
  });
});

describe('destinations', () => {
  it('grows the S3 part size so that a 100 GiB BAM stays under 10 000 parts', () => {
    const MiB = 1024 * 1024;
    expect(s3PartSize(8 * MiB, 3 * MiB)).toBe(8 * MiB);
    const big = 100 * 1024 * MiB;
    expect(Math.ceil(big / s3PartSize(8 * MiB, big))).toBeLessThanOrEqual(9000);
  });

  it('parses s3://bucket/prefix', () => {
    expect(parseS3Destination('s3://lab-results')).toEqual({ bucket: 'lab-results', prefix: '' });
    expect(parseS3Destination('s3://lab-results/a/b/')).toEqual({
      bucket: 'lab-results',
      prefix: 'a/b/',
    });
    expect(parseS3Destination('/data/out')).toBeUndefined();
    expect(() => parseS3Destination('s3://lab/../x')).toThrow('".."');
    expect(() => parseS3Destination('s3://Bad_Bucket/x')).toThrow('bucket name');
  });
});
