import { createHash } from 'node:crypto';
import { deflateRawSync, gzipSync } from 'node:zlib';

/** Standard BGZF end-of-file marker block. */
const BGZF_EOF = Buffer.from('1f8b08040000000000ff0600424302001b0003000000000000000000', 'hex');

/** One BGZF block (gzip member with the BC extra field) per ≤ 60 KiB of input, plus the EOF block. */
export function bgzf(data: Buffer): Buffer {
  const blocks: Buffer[] = [];
  for (let off = 0; off < data.length || off === 0; off += 60 * 1024) {
    const part = data.subarray(off, off + 60 * 1024);
    const deflated = deflateRawSync(part);
    const trailer = gzipSync(part).subarray(-8); // CRC32 + ISIZE, computed by zlib
    const header = Buffer.from('1f8b08040000000000ff060042430200', 'hex');
    const block = Buffer.concat([header, Buffer.alloc(2), deflated, trailer]);
    block.writeUInt16LE(block.length - 1, 16);
    blocks.push(block);
    if (data.length === 0) break;
  }
  return Buffer.concat([...blocks, BGZF_EOF]);
}

const int32 = (...values: number[]): Buffer => {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => {
    b.writeInt32LE(v, i * 4);
  });
  return b;
};

/** Small deterministic pseudo-random numbers seeded by the sample id. */
function rng(seed: string): () => number {
  let state = createHash('sha256').update(seed).digest().readUInt32LE(0) || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x100000000;
  };
}

const CHR1_LENGTH = 248956422;

function vcfText(sampleId: string, clientId: string): string {
  const rand = rng(sampleId);
  const lines = [
    '##fileformat=VCFv4.2',
    '##source=gencove-sandbox',
    `##contig=<ID=chr1,length=${CHR1_LENGTH}>`,
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
    '##FORMAT=<ID=GP,Number=G,Type=Float,Description="Genotype probabilities">',
    `#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t${clientId}`,
  ];
  let pos = 10_000;
  const bases = ['A', 'C', 'G', 'T'];
  for (let i = 0; i < 24; i++) {
    pos += 1 + Math.floor(rand() * 50_000);
    const ref = bases[Math.floor(rand() * 4)]!;
    const alt = bases.filter((b) => b !== ref)[Math.floor(rand() * 3)]!;
    const gt = ['0|0', '0|1', '1|0', '1|1'][Math.floor(rand() * 4)]!;
    lines.push(`chr1\t${pos}\t.\t${ref}\t${alt}\t.\tPASS\t.\tGT:GP\t${gt}:0.01,0.04,0.95`);
  }
  return `${lines.join('\n')}\n`;
}

/** A minimal tabix index (no bins) of a one-contig VCF. */
export function tabixIndex(): Buffer {
  const name = Buffer.from('chr1\0');
  // magic, n_ref, format (2 = VCF), col_seq, col_beg, col_end, meta '#', skip, l_nm, names,
  // then per reference: n_bin = 0, n_intv = 0
  return bgzf(
    Buffer.concat([
      Buffer.from('TBI\x01', 'latin1'),
      int32(1, 2, 1, 2, 0, 35, 0, name.length),
      name,
      int32(0, 0),
    ]),
  );
}

function bam(clientId: string): Buffer {
  const text = Buffer.from(
    `@HD\tVN:1.6\tSO:coordinate\n@SQ\tSN:chr1\tLN:${CHR1_LENGTH}\n@RG\tID:${clientId}\tSM:${clientId}\n@PG\tID:gencove-sandbox\tPN:gencove-sandbox\n`,
  );
  const name = Buffer.from('chr1\0');
  return bgzf(
    Buffer.concat([
      Buffer.from('BAM\x01', 'latin1'),
      int32(text.length),
      text,
      int32(1, name.length),
      name,
      int32(CHR1_LENGTH),
    ]),
  );
}

const bai = (): Buffer => Buffer.concat([Buffer.from('BAI\x01', 'latin1'), int32(1, 0, 0)]);

function ancestry(sampleId: string, clientId: string): Buffer {
  const rand = rng(`${sampleId}:ancestry`);
  const raw = ['EUR', 'AFR', 'EAS', 'SAS', 'AMR'].map((p) => [p, rand()] as const);
  const total = raw.reduce((s, [, v]) => s + v, 0);
  const populations = raw.map(([name, v]) => ({
    name,
    proportion: Math.round((v / total) * 1e4) / 1e4,
  }));
  return Buffer.from(
    `${JSON.stringify({ sample_id: sampleId, client_id: clientId, populations }, null, 2)}\n`,
  );
}

const SUFFIX: Record<string, string> = {
  'impute-vcf': '.impute.vcf.gz',
  'impute-tbi': '.impute.vcf.gz.tbi',
  'impute-csi': '.impute.vcf.gz.csi',
  'alignment-bam': '.bam',
  'alignment-bai': '.bam.bai',
  'alignment-cram': '.cram',
  'alignment-crai': '.cram.crai',
  'ancestry-json': '.ancestry.json',
  'sex-json': '.sex.json',
  'traits-json': '.traits.json',
  'fastq-r1': '_R1.fastq.gz',
  'fastq-r2': '_R2.fastq.gz',
  'kraken-report': '.kraken-report.txt',
  'cnv-pdf': '.cnv.pdf',
  'wgs-gvcf': '.g.vcf.gz',
  'wgs-gvcf_indexed': '.g.vcf.gz.tbi',
  'impute-vcf-merged': '.merged.impute.vcf.gz',
};

/** Server-suggested file name, e.g. `<sample id>.impute.vcf.gz` or `<sample id>_R1.fastq.gz`. */
export const deliverableFilename = (ownerId: string, fileType: string): string =>
  `${ownerId}${SUFFIX[fileType] ?? `.${fileType}.bin`}`;

/** Bytes of a synthetic deliverable: small but well-formed for the types we know. */
export function deliverableContent(fileType: string, sampleId: string, clientId: string): Buffer {
  switch (fileType) {
    case 'impute-vcf':
    case 'wgs-gvcf':
    case 'impute-vcf-merged':
      return bgzf(Buffer.from(vcfText(sampleId, clientId)));
    case 'impute-tbi':
    case 'wgs-gvcf_indexed':
      return tabixIndex();
    case 'alignment-bam':
      return bam(clientId);
    case 'alignment-bai':
      return bai();
    case 'ancestry-json':
      return ancestry(sampleId, clientId);
    case 'sex-json':
      return Buffer.from(
        `${JSON.stringify({ sample_id: sampleId, sex: 'F', confidence: 0.99 })}\n`,
      );
    case 'traits-json':
      return Buffer.from(`${JSON.stringify({ sample_id: sampleId, traits: [] })}\n`);
    default:
      return Buffer.from(`gencove-sandbox deliverable ${fileType} for sample ${sampleId}\n`);
  }
}
