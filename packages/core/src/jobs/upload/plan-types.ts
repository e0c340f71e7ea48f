import type { ReadNumber } from './names.js';

/** One local file as it was when planned; a change of any field means the file changed. */
export interface SourceFile {
  path: string;
  size: number;
  mtimeMs: number;
  ino: number;
  dev: number;
}

/** One object to upload: a local file, or a map-file group whose files are concatenated. */
export interface PlannedUpload {
  destinationPath: string;
  /** Concatenated in this order (one file unless a map-file group lists several). */
  sources: SourceFile[];
  size: number;
  clientId: string;
  read?: ReadNumber;
  /** Short human name: the path relative to the source, or the map-file group. */
  label: string;
}

/** A prospective sample as the server's sample sheet will group it (spec §5). */
export interface PlannedSample {
  /** `gncv://` folder, with trailing `/`. */
  folder: string;
  clientId: string;
  r1?: string;
  r2?: string;
}

export type PlanProblemKind =
  | 'unreadable'
  | 'empty-file'
  | 'no-read-token'
  | 'ambiguous-read'
  | 'duplicate-read'
  | 'empty-client-id'
  | 'bad-name'
  | 'unpaired'
  | 'client-id-in-several-folders';

export interface PlanProblem {
  severity: 'error' | 'warning';
  kind: PlanProblemKind;
  message: string;
  paths: string[];
}

export interface UploadPlan {
  /** `files`: an explicit file list (`PlanUploadOptions.files`) under the `source` directory. */
  kind: 'directory' | 'map-file' | 'files';
  /** Absolute path of the directory or map file. */
  source: string;
  /** Normalised `gncv://` folder, trailing `/`. */
  destination: string;
  /** True when no destination was given and one was generated (spec §3.3). */
  destinationGenerated: boolean;
  uploads: PlannedUpload[];
  samples: PlannedSample[];
  /** Files in the directory (or given files) without a FASTQ extension, skipped. */
  ignored: string[];
  totalBytes: number;
  problems: PlanProblem[];
}
