export { MAX_LISTED_PROBLEMS, MapFileError, type MapFileProblem } from './errors.js';
export { formatMapFile, type MapFileRow } from './format.js';
export {
  type KeyConflict,
  type KeyRow,
  type PairedKeys,
  pairFastqKeys,
  type SkippedKey,
} from './pair-reads.js';
export {
  MAP_FILE_COLUMNS,
  type MapFileGroup,
  type ParsedMapFile,
  type ParseMapFileContentOptions,
  type ParseMapFileOptions,
  parseMapFile,
  parseMapFileContent,
  type ReadNotation,
} from './parse.js';
export { parseFastqUrl } from './path-kind.js';
export {
  type BuildS3MapFileOptions,
  buildS3MapFile,
  MAX_PRESIGN_SECONDS,
  parseS3Uri,
  S3AccessError,
  type S3MapFile,
  S3MapFileError,
} from './s3-map-file.js';
