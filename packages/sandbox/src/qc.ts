import type { QcResult } from './state.js';

const formatType = {
  key: 'format',
  type: 'bool',
  name: 'FASTQ format check',
  description_markdown: 'Checks the FASTQ structure.',
  display_type: 'boolean',
  display_only_if_failed: false,
};

const basesType = {
  key: 'bases_dedup',
  type: 'float',
  name: 'Deduplicated bases',
  description_markdown: 'Bases sequenced after removing duplicates.',
  display_type: 'number',
  display_only_if_failed: false,
};

const coverageType = {
  key: 'effective_coverage',
  type: 'float',
  name: 'Effective coverage',
  description_markdown: 'Effective coverage after alignment.',
  display_type: 'number',
  display_only_if_failed: false,
};

/**
 * QC metrics of a finished sample. Metric status vocabulary: `pass` / `failed` (as in the spec's
 * example). `failed qc` samples fail the `format` check; `failed` samples have no QC.
 */
export function qcResults(status: string, seed: number): QcResult[] {
  if (status !== 'succeeded' && status !== 'failed qc') return [];
  const failedFormat = status === 'failed qc';
  return [
    {
      quality_control_type: formatType,
      quality_control: {
        value_expected: null,
        value_measured: null,
        value_string: '',
        status: failedFormat ? 'failed' : 'pass',
      },
    },
    {
      quality_control_type: basesType,
      quality_control: {
        value_expected: 1_000_000_000,
        value_measured: 1_500_000_000 + (seed % 1000) * 1_000_000,
        value_string: '',
        status: 'pass',
      },
    },
    {
      quality_control_type: coverageType,
      quality_control: {
        value_expected: 0.5,
        value_measured: 1 + (seed % 100) / 100,
        value_string: '',
        status: 'pass',
      },
    },
  ];
}

export const failedQcKeys = (status: string): string[] | null =>
  status === 'failed qc' ? ['format'] : null;
