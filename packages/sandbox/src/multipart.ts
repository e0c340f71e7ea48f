import busboy from 'busboy';
import { ApiError } from './errors.js';
import { type Ctx, isMultipart } from './http.js';

export interface FormFile {
  field: string;
  filename: string;
  mimeType: string;
  data: Buffer;
}

export interface Form {
  fields: Record<string, string>;
  files: FormFile[];
}

/**
 * Parses a `multipart/form-data` request body (already read whole, within the server's body
 * limit) with busboy. Anything else is DRF's 415; a malformed body is 400 `{"detail"}`.
 */
export function parseForm(ctx: Ctx): Promise<Form> {
  if (!isMultipart(ctx)) {
    const type = String(ctx.req.headers['content-type'] ?? '').split(';')[0] || 'none';
    return Promise.reject(
      new ApiError(415, { detail: `Unsupported media type "${type}" in request.` }),
    );
  }
  return new Promise((resolve, reject) => {
    const form: Form = { fields: {}, files: [] };
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: ctx.req.headers });
    } catch (err) {
      reject(
        new ApiError(400, { detail: `Multipart form parse error - ${(err as Error).message}` }),
      );
      return;
    }
    parser.on('field', (name, value) => {
      form.fields[name] = value;
    });
    parser.on('file', (field, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        form.files.push({
          field,
          filename: info.filename ?? '',
          mimeType: info.mimeType,
          data: Buffer.concat(chunks),
        });
      });
    });
    parser.on('error', (err: Error) =>
      reject(new ApiError(400, { detail: `Multipart form parse error - ${err.message}` })),
    );
    parser.on('close', () => resolve(form));
    parser.end(ctx.rawBody);
  });
}
