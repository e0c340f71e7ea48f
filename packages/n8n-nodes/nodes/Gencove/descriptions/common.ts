import type { INodeProperties } from 'n8n-workflow';
import { type LocatorKind, locatorProperty } from '../../shared/locators';

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

/** `@version` conditions: version 1 keeps the plain ID fields, version 2 has Resource Locators. */
const V1 = { '@version': [1] };
const V2 = { '@version': [{ _cnd: { gte: 2 } }] };

const withVersion = (
  show: { show: Show },
  version: typeof V1 | typeof V2,
): INodeProperties['displayOptions'] => ({ show: { ...show.show, ...version } });

/**
 * A project or sample parameter of the Gencove node, named `name`: in version 1 the plain ID
 * field that existing workflows hold, in version 2 a Resource Locator (list, ID, URL). Both
 * versions are read by `locatorId`.
 */
function idParameter(
  kind: LocatorKind,
  name: string,
  show: { show: Show },
  v1: Pick<INodeProperties, 'displayName' | 'placeholder' | 'description'>,
): INodeProperties[] {
  return [
    {
      ...v1,
      name,
      type: 'string',
      required: true,
      default: '',
      displayOptions: withVersion(show, V1),
    },
    locatorProperty(kind, name, { displayOptions: withVersion(show, V2) }),
  ];
}

export const projectIdField = (
  resource: string,
  operation: string[],
  show: { show: Show } = showFor(resource, operation),
): INodeProperties[] =>
  idParameter('project', 'projectId', show, {
    displayName: 'Project ID',
    placeholder: '75d75eda-5424-4249-9206-60ecef0c55b1',
    description: 'ID of the Gencove project (UUID)',
  });

export const sampleIdField = (resource: string, operation: string[]): INodeProperties[] =>
  idParameter('sample', 'sampleId', showFor(resource, operation), {
    displayName: 'Sample ID',
    placeholder: '4c0468d4-18dc-471c-9201-2084cd81599b',
    description: 'ID of the Gencove sample (UUID)',
  });

/**
 * Version 2 only: the project whose samples the Sample list ("From list") shows, for the
 * operations that take a sample alone. The operation itself uses only the sample.
 */
export const sampleListProjectField = (resource: string, operation: string[]): INodeProperties =>
  locatorProperty('project', 'projectId', {
    required: false,
    description: 'The project whose samples the Sample list shows (not needed By ID or By URL)',
    displayOptions: withVersion(showFor(resource, operation), V2),
  });
