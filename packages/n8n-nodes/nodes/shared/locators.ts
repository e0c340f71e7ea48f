import type { INodeParameterResourceLocator, INodeProperties } from 'n8n-workflow';

/**
 * Resource Locators ("From list", "By ID", "By URL") for Gencove projects and samples.
 *
 * By URL: the Gencove web app (https://web.gencove.com) publishes no URL scheme — neither its
 * docs nor the official client name one — so an address is matched by its path segment, not by
 * a fixed route: any http(s) URL on a gencove.com host whose path contains `projects/<id>` is a
 * project address, `samples/<id>` a sample address (`project/`, `sample/` too), e.g.
 * `https://web.gencove.com/projects/<project id>/samples` or
 * `https://web.gencove.com/projects/<project id>/samples/<sample id>`. An ID is a UUID,
 * hyphenated or as 32 hex digits (core normalises both).
 */
export type LocatorKind = 'project' | 'sample';

const HEX_UUID = '[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}';

/** A whole value that is a project or sample ID. */
export const UUID_REGEX = `^\\s*${HEX_UUID}\\s*$`;

/** Group 1 is the ID; the segment must be a whole path segment (`/project-samples/` is not). */
const urlRegex = (segment: string): string =>
  `^\\s*https?://(?:[a-z0-9-]+\\.)*gencove\\.com(?::\\d+)?/(?:[^?#\\s]*/)?${segment}s?/(${HEX_UUID})(?:[/?#]\\S*)?\\s*$`;

export const URL_REGEX: Record<LocatorKind, string> = {
  project: urlRegex('project'),
  sample: urlRegex('sample'),
};

/** The list-search method of each kind (`methods.listSearch` of the nodes). */
export const SEARCH_METHOD: Record<LocatorKind, string> = {
  project: 'searchProjects',
  sample: 'searchSamples',
};

const PLACEHOLDER_ID: Record<LocatorKind, string> = {
  project: '75d75eda-5424-4249-9206-60ecef0c55b1',
  sample: '4c0468d4-18dc-471c-9201-2084cd81599b',
};

const PLACEHOLDER_URL: Record<LocatorKind, string> = {
  project: `https://web.gencove.com/projects/${PLACEHOLDER_ID.project}`,
  sample: `https://web.gencove.com/projects/${PLACEHOLDER_ID.project}/samples/${PLACEHOLDER_ID.sample}`,
};

/** A Resource Locator parameter named `name` for a project or a sample. */
export function locatorProperty(
  kind: LocatorKind,
  name: string,
  extra: Partial<INodeProperties> = {},
): INodeProperties {
  const label = kind === 'project' ? 'Project' : 'Sample';
  return {
    displayName: label,
    name,
    type: 'resourceLocator',
    default: { mode: 'list', value: '' },
    required: true,
    description: `The Gencove ${kind}`,
    // inline: n8n's linter recognises modes only inside the parameter
    modes: [
      {
        displayName: 'From List',
        name: 'list',
        type: 'list',
        placeholder: `Select a ${kind}...`,
        typeOptions: { searchListMethod: SEARCH_METHOD[kind], searchable: true },
      },
      {
        displayName: 'By ID',
        name: 'id',
        type: 'string',
        placeholder: PLACEHOLDER_ID[kind],
        validation: [
          {
            type: 'regex',
            properties: {
              regex: UUID_REGEX,
              errorMessage: `Not a valid Gencove ${kind} ID (a UUID)`,
            },
          },
        ],
      },
      {
        displayName: 'By URL',
        name: 'url',
        type: 'string',
        placeholder: PLACEHOLDER_URL[kind],
        validation: [
          {
            type: 'regex',
            properties: {
              regex: URL_REGEX[kind],
              errorMessage: `Not a Gencove ${kind} URL (its path must contain /${kind}s/<${kind} ID>)`,
            },
          },
        ],
        extractValue: { type: 'regex', regex: URL_REGEX[kind] },
      },
    ],
    ...extra,
  };
}

/**
 * The ID a project or sample parameter holds, whichever shape it has: a Resource Locator
 * (`{ __rl, mode, value }`, version 2 of the nodes) or the plain string of version 1. A URL is
 * reduced to the ID in it, in any mode (a URL pasted into "By ID" or into a version 1 field
 * works too); anything else is returned trimmed for core to validate as a UUID. Throws an
 * `Error` naming what is wrong; the caller turns it into a node error.
 */
export function locatorId(value: unknown, kind: LocatorKind): string {
  const locator = isLocator(value) ? value : undefined;
  const raw = locator ? locator.value : value;
  const text = typeof raw === 'string' || typeof raw === 'number' ? String(raw).trim() : '';
  if (text === '') throw new Error(`No ${kind} is selected`);
  const fromUrl = new RegExp(URL_REGEX[kind]).exec(text)?.[1];
  if (fromUrl) return fromUrl;
  if (locator?.mode === 'url' || /^https?:\/\//i.test(text)) {
    throw new Error(
      `Not a Gencove ${kind} URL: the address must be on a gencove.com host and its path must contain /${kind}s/<${kind} ID>`,
    );
  }
  return text;
}

function isLocator(value: unknown): value is INodeParameterResourceLocator {
  return typeof value === 'object' && value !== null && (value as { __rl?: unknown }).__rl === true;
}
