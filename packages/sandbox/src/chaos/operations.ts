import type { IncomingHttpHeaders } from 'node:http';

const UUID = /[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}/gi;

/**
 * The S3 operation of a request, from its method, path and query (as S3 itself tells them apart):
 * `PutObject`, `UploadPart`, `CreateMultipartUpload`, `CompleteMultipartUpload`, `GetObject`, …
 */
export function s3Operation(
  method: string,
  key: string,
  query: URLSearchParams,
  headers: IncomingHttpHeaders = {},
): string {
  const m = method.toUpperCase();
  const onObject = key !== '';
  const copy = headers['x-amz-copy-source'] !== undefined;
  if (onObject) {
    if (m === 'PUT' && query.has('partNumber') && query.has('uploadId'))
      return copy ? 'UploadPartCopy' : 'UploadPart';
    if (m === 'PUT') return copy ? 'CopyObject' : 'PutObject';
    if (m === 'POST' && query.has('uploads')) return 'CreateMultipartUpload';
    if (m === 'POST' && query.has('uploadId')) return 'CompleteMultipartUpload';
    if (m === 'DELETE' && query.has('uploadId')) return 'AbortMultipartUpload';
    if (m === 'DELETE') return 'DeleteObject';
    if (m === 'GET' && query.has('uploadId')) return 'ListParts';
    if (m === 'GET') return 'GetObject';
    if (m === 'HEAD') return 'HeadObject';
    return `${m}Object`;
  }
  if (m === 'HEAD') return 'HeadBucket';
  if (m === 'PUT') return 'CreateBucket';
  if (m === 'DELETE') return 'DeleteBucket';
  if (m === 'POST' && query.has('delete')) return 'DeleteObjects';
  if (m === 'GET' && query.has('location')) return 'GetBucketLocation';
  if (m === 'GET' && query.has('uploads')) return 'ListMultipartUploads';
  if (m === 'GET' && query.get('list-type') === '2') return 'ListObjectsV2';
  if (m === 'GET') return 'ListObjects';
  return `${m}Bucket`;
}

/** `METHOD endpoint` of an API request, IDs written `{id}`: `GET samples/{id}`. */
export function apiOperation(method: string, path: string): string {
  const endpoint = path
    .replace(/^\/api\/v2\/?/, '')
    .replace(/\/+$/, '')
    .replace(UUID, '{id}');
  return `${method.toUpperCase()} ${endpoint}`;
}

/** Replaces every UUID in `text` by what `name` makes of it. */
export function nameIds(text: string, name: (id: string) => string): string {
  return text.replace(UUID, (id) => name(id));
}
