import { InvalidArgumentError } from '../../errors.js';
import { normalizeUuid } from '../../validate.js';

/**
 * Which samples to watch: every visible sample of a project, the given sample ids, or the
 * samples with the given client ids (per client id, the most recently created sample).
 */
export interface SampleSelector {
  projectId: string;
  sampleIds?: readonly string[];
  clientIds?: readonly string[];
}

/** A validated selector: canonical UUIDs, no duplicates, at most one of the two lists. */
export interface NormalizedSelector {
  projectId: string;
  sampleIds: string[] | null;
  clientIds: string[] | null;
}

export function normalizeSelector(selector: SampleSelector): NormalizedSelector {
  if (selector === null || typeof selector !== 'object') {
    throw new InvalidArgumentError('selector', 'selector must be an object with a projectId');
  }
  const projectId = normalizeUuid(selector.projectId, 'projectId');
  const { sampleIds, clientIds } = selector;
  if (sampleIds !== undefined && clientIds !== undefined) {
    throw new InvalidArgumentError(
      'selector',
      'give either sampleIds or clientIds, not both (or neither to watch the whole project)',
    );
  }
  if (sampleIds !== undefined) {
    const ids = listOf(sampleIds, 'sampleIds').map((id, i) => normalizeUuid(id, `sampleIds[${i}]`));
    return { projectId, sampleIds: [...new Set(ids)], clientIds: null };
  }
  if (clientIds !== undefined) {
    const ids = listOf(clientIds, 'clientIds').map((id, i) => {
      if (typeof id !== 'string' || id.trim() === '') {
        throw new InvalidArgumentError(
          `clientIds[${i}]`,
          `clientIds[${i}] must be a non-empty string`,
        );
      }
      return id.trim();
    });
    return { projectId, sampleIds: null, clientIds: [...new Set(ids)] };
  }
  return { projectId, sampleIds: null, clientIds: null };
}

function listOf(value: unknown, name: string): unknown[] {
  if (!Array.isArray(value)) throw new InvalidArgumentError(name, `${name} must be an array`);
  if (value.length === 0) {
    throw new InvalidArgumentError(name, `${name} is empty: nothing to watch`);
  }
  return value;
}

/**
 * Builds a selector from the `--output` document of an upload with `--run-project-id`
 * (spec §6.4): `[{"client_id", "fastq", "sample"}, …]`. Accepts the parsed value or its JSON
 * text. Every entry must carry a sample UUID; the error names the first bad entry.
 */
export function selectorFromAssignmentOutput(output: unknown, projectId: string): SampleSelector {
  let value = output;
  if (typeof output === 'string') {
    try {
      value = JSON.parse(output);
    } catch (error) {
      throw new InvalidArgumentError(
        'assignmentOutput',
        `the assignment output is not valid JSON: ${(error as Error).message}`,
      );
    }
  }
  if (!Array.isArray(value)) {
    throw new InvalidArgumentError(
      'assignmentOutput',
      'the assignment output must be a JSON array of {"client_id", "fastq", "sample"} entries (spec §6.4)',
    );
  }
  const sampleIds = value.map((entry, i) => {
    const sample = (entry as { sample?: unknown } | null)?.sample;
    if (typeof sample !== 'string') {
      throw new InvalidArgumentError(
        'assignmentOutput',
        `entry ${i} of the assignment output has no "sample" id`,
      );
    }
    return normalizeUuid(sample, `assignment output entry ${i} "sample"`);
  });
  if (sampleIds.length === 0) {
    throw new InvalidArgumentError('assignmentOutput', 'the assignment output lists no samples');
  }
  return { projectId: normalizeUuid(projectId, 'projectId'), sampleIds };
}
