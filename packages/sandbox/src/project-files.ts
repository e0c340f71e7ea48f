import { createHash } from 'node:crypto';
import { stringify } from 'csv-stringify/sync';
import { strToU8, zipSync } from 'fflate';
import { bgzf } from './deliverables.js';

/**
 * Bytes of the project-level deliverables: the reference genome of a capability, joint-called and
 * merged VCFs, batch reports. Small, deterministic and well-formed where the format is simple.
 */

const CONTIG = 'chr1';
const CONTIG_LENGTH = 600;

function sequence(seed: string): string {
  let state = createHash('sha256').update(seed).digest().readUInt32LE(0) || 1;
  let out = '';
  for (let i = 0; i < CONTIG_LENGTH; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out += 'ACGT'[(state >>> 0) % 4];
  }
  return out;
}

/** One reference-genome file: its type, the suffix after `<project id>_<type>`, its bytes. */
export interface ReferenceFile {
  fileType: string;
  suffix: string;
  body: Buffer;
}

/**
 * The reference genome of a capability, as `file-types/?object=reference_genome` types, named as
 * production names them: `<project id>_<file type><suffix>`, e.g. `…_genome-fasta.fasta.gz`,
 * `…_genome-fasta_fai.fasta.gz.fai`, `…_genome-dict.dict`.
 */
export function referenceGenome(capabilityKey: string): ReferenceFile[] {
  const seq = sequence(capabilityKey);
  const lines = seq.match(/.{1,60}/g) ?? [];
  const fasta = `>${CONTIG}\n${lines.join('\n')}\n`;
  const md5 = createHash('md5').update(seq).digest('hex');
  const bytes = (label: string, n: number) =>
    createHash('sha512').update(`${capabilityKey}:${label}`).digest().subarray(0, n);
  const gzi = Buffer.alloc(8); // a .gzi index of a one-block file: zero entries
  return [
    {
      fileType: 'genome-dict',
      suffix: '.dict',
      body: Buffer.from(`@HD\tVN:1.6\n@SQ\tSN:${CONTIG}\tLN:${CONTIG_LENGTH}\tM5:${md5}\n`),
    },
    { fileType: 'genome-fasta', suffix: '.fasta.gz', body: bgzf(Buffer.from(fasta)) },
    {
      fileType: 'genome-fasta_amb',
      suffix: '.fasta.gz.amb',
      body: Buffer.from(`${CONTIG_LENGTH} 1 0\n`),
    },
    {
      fileType: 'genome-fasta_ann',
      suffix: '.fasta.gz.ann',
      body: Buffer.from(`${CONTIG_LENGTH} 1 11\n0 ${CONTIG} (null)\n0 ${CONTIG_LENGTH} 0\n`),
    },
    { fileType: 'genome-fasta_bwt', suffix: '.fasta.gz.bwt', body: bytes('bwt', 160) },
    {
      fileType: 'genome-fasta_fai',
      suffix: '.fasta.gz.fai',
      body: Buffer.from(`${CONTIG}\t${CONTIG_LENGTH}\t${CONTIG.length + 2}\t60\t61\n`),
    },
    { fileType: 'genome-fasta_gzi', suffix: '.fasta.gz.gzi', body: gzi },
    {
      fileType: 'genome-fasta_pac',
      suffix: '.fasta.gz.pac',
      body: bytes('pac', CONTIG_LENGTH / 4 + 1),
    },
    { fileType: 'genome-fasta_sa', suffix: '.fasta.gz.sa', body: bytes('sa', 96) },
    {
      fileType: 'genome-fasta_vcf_header',
      suffix: '.fasta.gz.vcf_header',
      body: Buffer.from(`##fileformat=VCFv4.2\n##contig=<ID=${CONTIG},length=${CONTIG_LENGTH}>\n`),
    },
  ];
}

/** A multi-sample, bgzipped VCF over `clientIds` (joint-called and merged VCFs). */
export function multiSampleVcf(seed: string, clientIds: readonly string[], source: string): Buffer {
  let state = createHash('sha256').update(seed).digest().readUInt32LE(0) || 1;
  const rand = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x100000000;
  };
  const lines = [
    '##fileformat=VCFv4.2',
    `##source=${source}`,
    `##contig=<ID=${CONTIG},length=${CONTIG_LENGTH}>`,
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
    `#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT${clientIds.map((c) => `\t${c}`).join('')}`,
  ];
  let pos = 1;
  for (let i = 0; i < 12; i++) {
    pos += 1 + Math.floor(rand() * 40);
    const ref = 'ACGT'[Math.floor(rand() * 4)]!;
    const alt = 'ACGT'.replace(ref, '')[Math.floor(rand() * 3)]!;
    const gts = clientIds.map(() => ['0|0', '0|1', '1|0', '1|1'][Math.floor(rand() * 4)]!);
    lines.push(`${CONTIG}\t${pos}\t.\t${ref}\t${alt}\t.\tPASS\t.\tGT\t${gts.join('\t')}`);
  }
  return bgzf(Buffer.from(`${lines.join('\n')}\n`));
}

export interface BatchReportRow {
  sampleId: string;
  clientId: string;
  status: string;
}

/** A batch's report: a ZIP with `<batch type>_report.csv` (one row per sample) and a README. */
export function batchReport(
  batch: { id: string; name: string; batchType: string },
  rows: readonly BatchReportRow[],
): Buffer {
  const csv = stringify(
    rows.map((r, i) => [
      r.sampleId,
      r.clientId,
      r.status,
      (0.97 + ((i * 7) % 30) / 1000).toFixed(3),
    ]),
    { header: true, columns: ['sample_id', 'client_id', 'status', 'call_rate'] },
  );
  const readme = `gencove-sandbox batch report\nbatch: ${batch.id}\nname: ${batch.name}\ntype: ${batch.batchType}\nsamples: ${rows.length}\n`;
  // fixed mtime: the same batch gives the same bytes (and sha256)
  const mtime = new Date('2026-01-01T00:00:00Z');
  return Buffer.from(
    zipSync(
      {
        [`${batch.batchType}_report.csv`]: [strToU8(csv), { mtime }],
        'README.txt': [strToU8(readme), { mtime }],
      },
      { level: 6 },
    ),
  );
}
