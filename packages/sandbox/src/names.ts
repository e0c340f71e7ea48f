export const FASTQ_EXTENSIONS = ['.fastq.gz', '.fastq.bgz', '.fq.gz', '.fq.bgz'] as const;

export function fastqExtension(name: string, caseSensitive: boolean): string | undefined {
  const subject = caseSensitive ? name : name.toLowerCase();
  return FASTQ_EXTENSIONS.find((ext) => subject.endsWith(ext));
}

/**
 * Sample-sheet naming rule (spec §3.2): the part of the file name before the first `_` is the
 * client ID; an underscore-delimited `R1` / `R2` token (upper case) gives the read. A name with no
 * such token is treated as R1 of its own entry (`read: null`).
 */
export function parseUploadName(destinationPath: string): {
  folder: string;
  clientId: string;
  read: 'R1' | 'R2' | null;
} {
  const slash = destinationPath.lastIndexOf('/');
  const folder = destinationPath.slice(0, slash + 1);
  const file = destinationPath.slice(slash + 1);
  const ext = fastqExtension(file, false) ?? '';
  const stem = file.slice(0, file.length - ext.length);
  const [first = '', ...tokens] = stem.split('_');
  const read = tokens.find((t) => t === 'R1' || t === 'R2') as 'R1' | 'R2' | undefined;
  return { folder, clientId: first || stem, read: read ?? null };
}

/** Why a `gncv://` destination path is refused, or undefined when it is valid. */
export function destinationProblem(path: unknown): string | undefined {
  if (typeof path !== 'string' || path === '') return 'This field is required.';
  if (!path.startsWith('gncv://')) return 'Destination path must start with gncv://';
  const segments = path.slice('gncv://'.length).split('/');
  if (segments.some((s) => s === '')) {
    return 'Destination path must not contain empty path segments.';
  }
  if (!fastqExtension(segments[segments.length - 1]!, false)) {
    return `Destination path must end with one of ${FASTQ_EXTENSIONS.join(', ')}.`;
  }
  return undefined;
}

/** Why a source URL of uploads-url is refused, or undefined when it is valid. */
export function sourceUrlProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return 'This field is required.';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'Enter a valid URL.';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return 'Only http and https URLs are supported.';
  }
  if (!url.hostname) return 'Enter a valid URL.';
  const name = url.pathname.slice(url.pathname.lastIndexOf('/') + 1);
  if (!fastqExtension(name, true)) {
    return `The URL path must end with one of ${FASTQ_EXTENSIONS.join(', ')}.`;
  }
  return undefined;
}
