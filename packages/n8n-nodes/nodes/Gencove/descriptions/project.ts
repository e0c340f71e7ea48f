import type { INodeProperties } from 'n8n-workflow';
import { projectIdField, returnAllAndLimit, showFor } from './common';

export const projectOperations: INodeProperties[] = [
  {
    displayName: 'Operation',
    name: 'operation',
    type: 'options',
    noDataExpression: true,
    displayOptions: { show: { resource: ['project'] } },
    options: [
      {
        name: 'Get',
        value: 'get',
        description: 'Get a project with its project-level files',
        action: 'Get a project',
      },
      {
        name: 'Get Many',
        value: 'getAll',
        description: 'List the projects of the account',
        action: 'Get many projects',
      },
    ],
    default: 'getAll',
  },
];

export const projectFields: INodeProperties[] = [
  ...projectIdField('project', ['get']),
  ...returnAllAndLimit('project'),
  {
    displayName: 'Hidden Projects',
    name: 'hiddenStatus',
    type: 'options',
    displayOptions: showFor('project', ['getAll']),
    options: [
      { name: 'Visible Only', value: 'visible' },
      { name: 'Hidden Only', value: 'hidden' },
      { name: 'All', value: 'all' },
    ],
    default: 'visible',
    description: 'Which projects to list by their hidden flag',
  },
];
