import type { INodeProperties } from 'n8n-workflow';

type Show = NonNullable<NonNullable<INodeProperties['displayOptions']>['show']>;

/** `displayOptions.show` for a resource and some of its operations. */
export const showFor = (resource: string, operation: string[]): { show: Show } => ({
  show: { resource: [resource], operation },
});

export const returnAllAndLimit = (resource: string): INodeProperties[] => [
  {
    displayName: 'Return All',
    name: 'returnAll',
    type: 'boolean',
    displayOptions: showFor(resource, ['getAll']),
    default: false,
    description: 'Whether to return all results or only up to a given limit',
  },
  {
    displayName: 'Limit',
    name: 'limit',
    type: 'number',
    displayOptions: { show: { resource: [resource], operation: ['getAll'], returnAll: [false] } },
    typeOptions: { minValue: 1 },
    default: 50,
    description: 'Max number of results to return',
  },
];

export const projectIdField = (
  resource: string,
  operation: string[],
  description = 'ID of the Gencove project (UUID)',
): INodeProperties => ({
  displayName: 'Project ID',
  name: 'projectId',
  type: 'string',
  required: true,
  displayOptions: showFor(resource, operation),
  default: '',
  placeholder: '75d75eda-5424-4249-9206-60ecef0c55b1',
  description,
});

export const sampleIdField = (resource: string, operation: string[]): INodeProperties => ({
  displayName: 'Sample ID',
  name: 'sampleId',
  type: 'string',
  required: true,
  displayOptions: showFor(resource, operation),
  default: '',
  placeholder: '4c0468d4-18dc-471c-9201-2084cd81599b',
  description: 'ID of the Gencove sample (UUID)',
});
