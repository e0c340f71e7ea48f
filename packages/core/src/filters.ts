/** Filter vocabularies of the list endpoints (spec §1.9, §5, §7.1). */

export const SAMPLE_STATUS_FILTERS = [
  'all',
  'completed',
  'succeeded',
  'failed',
  'running',
] as const;
export type SampleStatusFilter = (typeof SAMPLE_STATUS_FILTERS)[number];

export const ARCHIVE_STATUS_FILTERS = [
  'all',
  'available',
  'archived',
  'restore_requested',
] as const;
export type ArchiveStatusFilter = (typeof ARCHIVE_STATUS_FILTERS)[number];

export const HIDDEN_STATUS_FILTERS = ['visible', 'hidden', 'all'] as const;
export type HiddenStatusFilter = (typeof HIDDEN_STATUS_FILTERS)[number];

export const SAMPLE_SORT_FIELDS = ['created', 'modified', 'status', 'client_id', 'id'] as const;
export type SampleSortField = (typeof SAMPLE_SORT_FIELDS)[number];

export const SORT_ORDERS = ['asc', 'desc'] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];

export const SHEET_STATUS_FILTERS = ['all', 'unassigned', 'assigned'] as const;
export type SheetStatusFilter = (typeof SHEET_STATUS_FILTERS)[number];

export const SHEET_SORT_FIELDS = ['created', 'modified'] as const;
export type SheetSortField = (typeof SHEET_SORT_FIELDS)[number];

export const FILE_TYPE_OBJECTS = ['sample', 'reference_genome'] as const;
export type FileTypeObject = (typeof FILE_TYPE_OBJECTS)[number];
