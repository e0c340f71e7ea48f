/**
 * The server-suggested file name of a deliverable (spec §9.3 `{default_filename}`): the
 * `filename` of the URL's `response-content-disposition` parameter, else the URL's last path
 * segment. Unlike the official client, surrounding quotes are removed and RFC 5987
 * `filename*=UTF-8''…` is understood. The result is not trusted: the template checks it.
 */
export function defaultFilename(downloadUrl: string): string {
  let url: URL;
  try {
    url = new URL(downloadUrl);
  } catch {
    return '';
  }
  const disposition = url.searchParams.get('response-content-disposition');
  if (disposition) {
    const fromDisposition = filenameFromDisposition(disposition);
    if (fromDisposition !== undefined) return fromDisposition;
  }
  const last = url.pathname.split('/').pop() ?? '';
  return safeDecode(last);
}

export function filenameFromDisposition(value: string): string | undefined {
  const extended = /(?:^|;)\s*filename\*\s*=\s*([^';]*)'[^']*'([^;]*)/i.exec(value);
  if (extended) return safeDecode(extended[2]!.trim());
  const quoted = /(?:^|;)\s*filename\s*=\s*"((?:[^"\\]|\\.)*)"/i.exec(value);
  if (quoted) return quoted[1]!.replace(/\\(.)/g, '$1');
  // Unquoted: the official client takes everything after `filename=` to the end.
  const plain = /(?:^|;)\s*filename\s*=\s*(.*)$/i.exec(value);
  if (plain) return plain[1]!.trim();
  return undefined;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Spec §9.3 `{file_extension}`: everything after the first dot (`fastq.gz`), or "". */
export function fileExtension(filename: string): string {
  const dot = filename.indexOf('.');
  return dot < 0 ? '' : filename.slice(dot + 1);
}
