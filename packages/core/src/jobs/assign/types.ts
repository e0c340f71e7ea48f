import type { GencoveClient } from '../../client.js';

/** One sample created by an assignment, as spec §6.3 returns it and §6.4 writes it. */
export interface AssignedSample {
  client_id: string;
  fastq: { r1?: { upload: string }; r2?: { upload: string } };
  sample: string;
}

/** What the assignment step needs from the API client. */
export type AssignApi = Pick<GencoveClient, 'listSampleSheet' | 'assignUploads'>;

export type AssignEvent =
  /** A sheet scan did not yet show every upload; the next scan follows after `delayMs`. */
  | { type: 'assign-waiting'; found: number; expected: number; attempt: number; delayMs: number }
  /** Uploads of this run that an earlier run already assigned; they are not assigned again. */
  | { type: 'assign-already-assigned'; uploads: string[]; samples: AssignedSample[] }
  /** A sheet entry pairs one of our uploads with an upload this run did not handle. */
  | { type: 'assign-foreign-upload'; clientId: string; upload: string }
  | { type: 'assign-batch'; batch: number; batches: number; samples: number }
  | { type: 'assign-done'; samples: number };
