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

/** `file-types/?object=reference_genome` (the production list, spec §8 / the 4.2.1 cassettes). */
export const REFERENCE_GENOME_FILE_TYPES: readonly string[] = [
  'genome-dict',
  'genome-fasta',
  'genome-fasta_amb',
  'genome-fasta_ann',
  'genome-fasta_bwt',
  'genome-fasta_chromosomes',
  'genome-fasta_fai',
  'genome-fasta_gzi',
  'genome-fasta_pac',
  'genome-fasta_sa',
  'genome-fasta_vcf_header',
];

export const PROJECT_FILE_TYPES: readonly string[] = [
  'impute-vcf-merged',
  'jointcalled-vcf',
  'jointcalled-vcf_indexed',
];

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
