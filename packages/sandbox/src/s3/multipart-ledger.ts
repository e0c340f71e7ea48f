import { escapeXml } from './xml.js';

interface LedgerPart {
  partNumber: number;
  etag: string;
  size: number;
  lastModified: Date;
}

interface LedgerUpload {
  bucket: string;
  key: string;
  parts: Map<number, LedgerPart>;
}

/**
 * The parts of every multipart upload in flight, as seen by the S3 proxy. s3rver does not
 * implement ListParts (it answers 405), and clients that resume uploads need it to check their
 * saved state against S3, so the proxy keeps this ledger and answers ListParts itself.
 */
export class MultipartLedger {
  private readonly uploads = new Map<string, LedgerUpload>();

  created(uploadId: string, bucket: string, key: string): void {
    this.uploads.set(uploadId, { bucket, key, parts: new Map() });
  }

  partStored(uploadId: string, partNumber: number, etag: string, size: number): void {
    this.uploads.get(uploadId)?.parts.set(partNumber, {
      partNumber,
      etag,
      size,
      lastModified: new Date(),
    });
  }

  ended(uploadId: string): void {
    this.uploads.delete(uploadId);
  }

  /** The ListParts answer: XML of the parts after `part-number-marker`, `max-parts` at most. */
  listParts(
    bucket: string,
    key: string,
    uploadId: string,
    params: URLSearchParams,
  ): { status: number; code?: string; xml?: string } {
    const upload = this.uploads.get(uploadId);
    if (!upload || upload.bucket !== bucket || upload.key !== key) {
      return { status: 404, code: 'NoSuchUpload' };
    }
    const marker = Number(params.get('part-number-marker') ?? 0) || 0;
    const maxParts = Math.min(Number(params.get('max-parts') ?? 1000) || 1000, 1000);
    const all = [...upload.parts.values()]
      .filter((p) => p.partNumber > marker)
      .sort((a, b) => a.partNumber - b.partNumber);
    const page = all.slice(0, maxParts);
    const truncated = all.length > page.length;
    const parts = page
      .map(
        (p) =>
          `<Part><PartNumber>${p.partNumber}</PartNumber><LastModified>${p.lastModified.toISOString()}</LastModified><ETag>${escapeXml(p.etag)}</ETag><Size>${p.size}</Size></Part>`,
      )
      .join('');
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?>' +
      '<ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
      `<Bucket>${escapeXml(bucket)}</Bucket><Key>${escapeXml(key)}</Key><UploadId>${escapeXml(uploadId)}</UploadId>` +
      `<PartNumberMarker>${marker}</PartNumberMarker>` +
      `<NextPartNumberMarker>${page.at(-1)?.partNumber ?? marker}</NextPartNumberMarker>` +
      `<MaxParts>${maxParts}</MaxParts><IsTruncated>${truncated}</IsTruncated>` +
      `<StorageClass>STANDARD</StorageClass>${parts}</ListPartsResult>`;
    return { status: 200, xml };
  }
}
