import type { INodeProperties } from 'n8n-workflow';
import { projectIdField, showFor } from './common';

export const uploadOperations: INodeProperties[] = [
  {
    displayName: 'Operation',
    name: 'operation',
    type: 'options',
    noDataExpression: true,
    displayOptions: { show: { resource: ['upload'] } },
    options: [
      {
        name: 'Import From URLs',
        value: 'importUrls',
        description:
          'Register FASTQ URLs that Gencove fetches itself, from item fields or a map file',
        action: 'Import reads from links',
      },
      {
        name: 'Upload From Binary',
        value: 'uploadBinary',
        description: 'Upload FASTQ files from the binary data of earlier nodes (streamed)',
        action: 'Upload reads from binary data',
      },
    ],
    default: 'uploadBinary',
  },
];

const both = ['uploadBinary', 'importUrls'];

export const uploadFields: INodeProperties[] = [
  {
    displayName: 'Input Binary Field',
    name: 'binaryPropertyName',
    type: 'string',
    required: true,
    displayOptions: showFor('upload', ['uploadBinary']),
    default: 'data',
    description:
      'Name of the binary field holding the FASTQ file. Its file name must end in .fastq.gz, .fastq.bgz, .fq.gz or .fq.bgz and name the sample and read, e.g. PLT4-A03_R1.fastq.gz.',
  },
  {
    displayName: 'File Name',
    name: 'fileName',
    type: 'string',
    displayOptions: showFor('upload', ['uploadBinary']),
    default: '',
    placeholder: 'PLT4-A03_R1.fastq.gz',
    description: 'Name to upload the file under; empty uses the file name of the binary data',
  },
  {
    displayName: 'URLs From',
    name: 'urlSource',
    type: 'options',
    displayOptions: showFor('upload', ['importUrls']),
    options: [
      {
        name: 'Item Fields',
        value: 'fields',
        description: 'Each item gives a client ID and the URL of R1 (and optionally R2)',
      },
      {
        name: 'Map File',
        value: 'mapFile',
        description:
          'A *.fastq-map.csv (client_id, r_notation, path) with URLs, in binary data of each item',
      },
    ],
    default: 'fields',
  },
  {
    displayName: 'Client ID',
    name: 'clientId',
    type: 'string',
    required: true,
    displayOptions: {
      show: { resource: ['upload'], operation: ['importUrls'], urlSource: ['fields'] },
    },
    default: '',
    placeholder: 'PLT4-A03',
    description: 'Sample name in your lab (no underscores)',
  },
  {
    displayName: 'R1 URL',
    name: 'r1Url',
    type: 'string',
    required: true,
    displayOptions: {
      show: { resource: ['upload'], operation: ['importUrls'], urlSource: ['fields'] },
    },
    default: '',
    placeholder: 'https://storage.example.net/run-19/PLT4-A03_R1.fastq.gz',
  },
  {
    displayName: 'R2 URL',
    name: 'r2Url',
    type: 'string',
    displayOptions: {
      show: { resource: ['upload'], operation: ['importUrls'], urlSource: ['fields'] },
    },
    default: '',
    description: 'Leave empty for single-end reads',
  },
  {
    displayName: 'Map File Binary Field',
    name: 'mapFileProperty',
    type: 'string',
    required: true,
    displayOptions: {
      show: { resource: ['upload'], operation: ['importUrls'], urlSource: ['mapFile'] },
    },
    default: 'data',
  },
  {
    displayName: 'Destination',
    name: 'destination',
    type: 'string',
    displayOptions: showFor('upload', both),
    default: '',
    placeholder: 'gncv://run-2026-01-05/',
    description:
      'Gencove upload folder shared by every item of this run; empty generates a fresh one as the official client does',
  },
  {
    displayName: 'Assign to Project',
    name: 'assign',
    type: 'boolean',
    displayOptions: showFor('upload', both),
    default: false,
    description:
      'Whether to assign the uploads to a project once all items are done, which creates the samples and starts their analysis',
  },
  ...projectIdField('upload', both, {
    show: { resource: ['upload'], operation: both, assign: [true] },
  }),
  {
    displayName: 'Sample Metadata (JSON)',
    name: 'metadata',
    type: 'json',
    displayOptions: { show: { resource: ['upload'], operation: both, assign: [true] } },
    default: '',
    description: 'Optional JSON value applied to every created sample',
  },
];
