import type { INodeProperties } from 'n8n-workflow';
import {
  projectIdField,
  returnAllAndLimit,
  sampleIdField,
  sampleListProjectField,
  showFor,
} from './common';

/** The operations on one sample (the others take a project). */
const SAMPLE_OPERATIONS = ['get', 'getQc', 'getMetadata', 'setMetadata'];

export const sampleOperations: INodeProperties[] = [
  {
    displayName: 'Operation',
    name: 'operation',
    type: 'options',
    noDataExpression: true,
    displayOptions: { show: { resource: ['sample'] } },
    options: [
      {
        name: 'Get',
        value: 'get',
        description: 'Get a sample with its statuses and deliverable files',
        action: 'Get a sample',
      },
      {
        name: 'Get Many',
        value: 'getAll',
        description: 'List the samples of a project',
        action: 'Get many samples',
      },
      {
        name: 'Get Metadata',
        value: 'getMetadata',
        description: 'Get the metadata of a sample',
        action: 'Get the metadata of a sample',
      },
      {
        name: 'Get QC',
        value: 'getQc',
        description: 'Get the quality-control metrics of a sample',
        action: 'Get the QC metrics of a sample',
      },
      {
        name: 'Restore',
        value: 'restore',
        description: 'Request the restore of archived samples of a project',
        action: 'Restore archived samples',
      },
      {
        name: 'Set Metadata',
        value: 'setMetadata',
        description: 'Replace the metadata of a sample',
        action: 'Set the metadata of a sample',
      },
    ],
    default: 'getAll',
  },
];

export const sampleFields: INodeProperties[] = [
  ...projectIdField('sample', ['getAll', 'restore']),
  sampleListProjectField('sample', SAMPLE_OPERATIONS),
  ...sampleIdField('sample', SAMPLE_OPERATIONS),
  ...returnAllAndLimit('sample'),
  {
    displayName: 'Filters',
    name: 'filters',
    type: 'collection',
    placeholder: 'Add Filter',
    displayOptions: showFor('sample', ['getAll']),
    default: {},
    options: [
      {
        displayName: 'Archive Status',
        name: 'archiveStatus',
        type: 'options',
        options: [
          { name: 'All', value: 'all' },
          { name: 'Archived', value: 'archived' },
          { name: 'Available', value: 'available' },
          { name: 'Restore Requested', value: 'restore_requested' },
        ],
        default: 'all',
      },
      {
        displayName: 'Hidden Samples',
        name: 'hiddenStatus',
        type: 'options',
        options: [
          { name: 'All', value: 'all' },
          { name: 'Hidden Only', value: 'hidden' },
          { name: 'Visible Only', value: 'visible' },
        ],
        default: 'visible',
      },
      {
        displayName: 'Search',
        name: 'search',
        type: 'string',
        default: '',
        description: 'Matches the sample ID, the client ID or a metadata substring',
      },
      {
        displayName: 'Sort By',
        name: 'sortBy',
        type: 'options',
        options: [
          { name: 'Client ID', value: 'client_id' },
          { name: 'Created', value: 'created' },
          { name: 'ID', value: 'id' },
          { name: 'Modified', value: 'modified' },
          { name: 'Status', value: 'status' },
        ],
        default: 'modified',
      },
      {
        displayName: 'Sort Order',
        name: 'sortOrder',
        type: 'options',
        options: [
          { name: 'Ascending', value: 'asc' },
          { name: 'Descending', value: 'desc' },
        ],
        default: 'desc',
      },
      {
        displayName: 'Status',
        name: 'status',
        type: 'options',
        options: [
          { name: 'All', value: 'all' },
          { name: 'Completed', value: 'completed' },
          { name: 'Failed', value: 'failed' },
          { name: 'Running', value: 'running' },
          { name: 'Succeeded', value: 'succeeded' },
        ],
        default: 'all',
        description: 'Analysis status filter of the API',
      },
    ],
  },
  {
    displayName: 'Metadata (JSON)',
    name: 'metadata',
    type: 'json',
    required: true,
    displayOptions: showFor('sample', ['setMetadata']),
    default: '{}',
    description: 'Any JSON value; it replaces the current metadata. Use null to clear it.',
  },
  {
    displayName: 'Samples to Restore',
    name: 'restoreScope',
    type: 'options',
    displayOptions: showFor('sample', ['restore']),
    options: [
      { name: 'Selected Samples', value: 'selected' },
      { name: 'Every Archived Sample of the Project', value: 'allArchived' },
    ],
    default: 'selected',
  },
  {
    displayName: 'Sample IDs',
    name: 'sampleIds',
    type: 'string',
    required: true,
    displayOptions: {
      show: { resource: ['sample'], operation: ['restore'], restoreScope: ['selected'] },
    },
    default: '',
    description: 'Comma-separated sample IDs of the project to restore',
  },
];
