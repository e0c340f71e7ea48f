import type { INodeProperties } from 'n8n-workflow';
import { sampleIdField, sampleListProjectField, showFor } from './common';

export const deliverableOperations: INodeProperties[] = [
  {
    displayName: 'Operation',
    name: 'operation',
    type: 'options',
    noDataExpression: true,
    displayOptions: { show: { resource: ['deliverable'] } },
    options: [
      {
        name: 'Download',
        value: 'download',
        description: 'Download the deliverable files of a sample as binary data (streamed)',
        action: 'Download the deliverables of a sample',
      },
      {
        name: 'Get Checksum',
        value: 'getChecksum',
        description: 'Get the SHA-256 checksum line of a deliverable file',
        action: 'Get the checksum of a deliverable',
      },
      {
        name: 'Get Download URLs',
        value: 'getUrls',
        description: 'Get fresh pre-signed download URLs of the deliverables of a sample',
        action: 'Get the download links of a sample',
      },
    ],
    default: 'download',
  },
];

export const deliverableFields: INodeProperties[] = [
  sampleListProjectField('deliverable', ['download', 'getUrls', 'getChecksum']),
  ...sampleIdField('deliverable', ['download', 'getUrls', 'getChecksum']),
  {
    displayName: 'File Types',
    name: 'fileTypes',
    type: 'string',
    displayOptions: showFor('deliverable', ['download', 'getUrls']),
    default: '',
    placeholder: 'impute-vcf, impute-tbi',
    description:
      'Comma-separated deliverable types (e.g. impute-vcf, alignment-cram, fastq-r1; qc and metadata are the JSON files, for Download); empty selects every file',
  },
  {
    displayName: 'File Type',
    name: 'fileType',
    type: 'string',
    required: true,
    displayOptions: showFor('deliverable', ['getChecksum']),
    default: '',
    placeholder: 'impute-vcf',
  },
  {
    displayName: 'Put Output File in Field',
    name: 'binaryPropertyName',
    type: 'string',
    required: true,
    displayOptions: showFor('deliverable', ['download']),
    default: 'data',
    description: 'Name of the binary field of each output item (one item per file)',
  },
];
