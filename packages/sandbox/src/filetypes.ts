/** Global deliverable vocabulary (`GET /file-types/` without parameters). */
export const SAMPLE_FILE_TYPES: readonly string[] = [
  'alignment-bai',
  'alignment-bam',
  'alignment-crai',
  'alignment-cram',
  'ancestry-json',
  'cnv-pdf',
  'fastq-r1',
  'fastq-r2',
  'impute-csi',
  'impute-tbi',
  'impute-vcf',
  'kraken-report',
  'sex-json',
  'traits-json',
  'wgs-gvcf',
  'wgs-gvcf_indexed',
];

/** Synthetic keys the client builds from the QC and metadata endpoints; always listed last. */
export const SYNTHETIC_FILE_TYPES: readonly string[] = ['qc', 'metadata'];

export const REFERENCE_GENOME_FILE_TYPES: readonly string[] = [
  'genome-fasta',
  'genome-fasta-fai',
  'genome-dict',
];

export const PROJECT_FILE_TYPES: readonly string[] = ['impute-vcf-merged'];

const DESCRIPTIONS: Record<string, string> = {
  'alignment-bam': 'Aligned reads (BAM)',
  'alignment-bai': 'BAM index',
  'impute-vcf': 'Imputed genotypes (VCF, bgzip)',
  'impute-tbi': 'Tabix index of the imputed VCF',
  'ancestry-json': 'Ancestry proportions (JSON)',
  'fastq-r1': '',
  'fastq-r2': '',
  qc: '',
  metadata: '',
};

export const fileTypeItem = (key: string): { key: string; description: string } => ({
  key,
  description: DESCRIPTIONS[key] ?? '',
});
