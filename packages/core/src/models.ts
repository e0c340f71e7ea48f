/**
 * Response schemas (zod 4) for every endpoint the client uses. Lenient by design:
 * unknown fields are kept (`z.looseObject`), only the fields spec §2–§13 call required
 * are required, timestamps are kept as strings (see `parseGencoveTimestamp`).
 */
import { z } from 'zod';
import { ResponseShapeError } from './errors.js';

const str = z.string();
const optStr = z.string().nullish();
const timestamp = z.string();

/** `{"id", "status", "note", "created"}` (spec §1.9). */
export const StatusSchema = z.looseObject({
  id: optStr,
  status: str,
  note: optStr,
  created: timestamp.nullish(),
});
export type Status = z.infer<typeof StatusSchema>;

/** Archive status: adds `transition_cutoff`, usually without `note`. */
export const ArchiveStatusSchema = z.looseObject({
  id: optStr,
  status: str,
  note: optStr,
  created: timestamp.nullish(),
  transition_cutoff: timestamp.nullish(),
});
export type ArchiveStatus = z.infer<typeof ArchiveStatusSchema>;

/** Pagination envelope meta; every key optional (spec §1.7). */
export const PageMetaSchema = z.looseObject({
  count: z.number().int().nullish(),
  next: z.string().nullish(),
  previous: z.string().nullish(),
});
export type PageMeta = z.infer<typeof PageMetaSchema>;

export function pageSchema<T extends z.ZodType>(item: T) {
  return z.looseObject({ meta: PageMetaSchema.nullish(), results: z.array(item) });
}
export interface PageEnvelope<T> {
  meta?: PageMeta | null;
  results: T[];
}

// §2 auth ------------------------------------------------------------------

export const JwtPairSchema = z.looseObject({ access: str, refresh: str });
export type JwtPair = z.infer<typeof JwtPairSchema>;
export const JwtRefreshSchema = z.looseObject({ access: str });

/** §2.5 `GET /api/v2/user/`. */
export const UserSchema = z.looseObject({
  id: str,
  email: str,
  name: str.nullable(),
  uploads_enabled: z.boolean(),
  explorer_enabled: z.boolean(),
  is_support: z.boolean(),
  created: timestamp.nullish(),
});
export type User = z.infer<typeof UserSchema>;

/** `GET /api/v2/organization/` (all listed fields required by the reference client). */
export const OrganizationSchema = z.looseObject({
  id: str,
  name: str,
  expire_uploads_period_days: z.number().nullable(),
  archive_period_days: z.number().nullable(),
  archive_restore_period_days: z.number().nullable(),
  uploads_enabled: z.boolean(),
});
export type Organization = z.infer<typeof OrganizationSchema>;

// §13 projects -------------------------------------------------------------

/** A deliverable file (sample `files[]`, project `files[]`). */
export const DeliverableFileSchema = z.looseObject({
  id: str,
  file_type: optStr,
  download_url: z.string().nullish(),
  size: z.number().nullish(),
  checksum_sha256: z.string().nullish(),
  s3_path: optStr,
  shadow_mode: z.boolean().nullish(),
});
export type DeliverableFile = z.infer<typeof DeliverableFileSchema>;

export const ProjectSchema = z.looseObject({
  id: str,
  name: optStr,
  description: optStr,
  created: timestamp.nullish(),
  modified: timestamp.nullish(),
  hidden: z.boolean().nullish(),
  organization: optStr,
  organization_name: optStr,
  sample_count: z.number().nullish(),
  hidden_sample_count: z.number().nullish(),
  pipeline_capabilities: z.unknown().optional(),
  roles: z.unknown().optional(),
  webhook_url: optStr,
});
export type Project = z.infer<typeof ProjectSchema>;

/** `GET /api/v2/projects/{id}`: a project with its project-level files. */
export const ProjectDetailSchema = ProjectSchema.extend({
  files: z.array(DeliverableFileSchema).nullish(),
});
export type ProjectDetail = z.infer<typeof ProjectDetailSchema>;

// §7 samples ---------------------------------------------------------------

/** Item of `GET /api/v2/project-samples/{project_id}` (§7.1). Only `id` is required. */
export const SampleListItemSchema = z.looseObject({
  id: str,
  run: optStr,
  created: timestamp.nullish(),
  modified: timestamp.nullish(),
  hidden: z.boolean().nullish(),
  client_id: optStr,
  physical_id: optStr,
  legacy_id: optStr,
  last_status: StatusSchema.nullish(),
  archive_last_status: ArchiveStatusSchema.nullish(),
  failed_qc: z.array(z.string()).nullish(),
});
export type SampleListItem = z.infer<typeof SampleListItemSchema>;

/** `GET /api/v2/samples/{id}` (§7.2). `files` defaults to `[]` when absent. */
export const SampleDetailSchema = SampleListItemSchema.extend({
  project: optStr,
  files: z
    .array(DeliverableFileSchema)
    .nullish()
    .transform((f) => f ?? []),
});
export type SampleDetail = z.infer<typeof SampleDetailSchema>;

/** Item of `GET /api/v2/sample-quality-controls/{id}` (§7.3). */
export const QcResultSchema = z.looseObject({
  quality_control_type: z.looseObject({
    key: str,
    type: optStr,
    name: optStr,
    description_markdown: optStr,
    display_type: optStr,
    display_only_if_failed: z.boolean().nullish(),
  }),
  quality_control: z.looseObject({
    value_expected: z.number().nullish(),
    value_measured: z.number().nullish(),
    value_string: z.string().nullish(),
    status: optStr,
  }),
});
export type QcResult = z.infer<typeof QcResultSchema>;

/** `GET|POST /api/v2/sample-metadata/{id}` (§7.4): always `{"metadata": …}`. */
export const MetadataWrapperSchema = z
  .looseObject({ metadata: z.unknown() })
  .refine((o) => Object.hasOwn(o, 'metadata'), {
    message: 'required field is missing',
    path: ['metadata'],
  });
export type MetadataWrapper = { metadata: unknown };

/** Item of `GET /api/v2/file-types/` (§8). */
export const FileTypeSchema = z.looseObject({ key: str, description: optStr });
export type FileType = z.infer<typeof FileTypeSchema>;

// §3–§6 uploads ------------------------------------------------------------

/** `POST /api/v2/upload-credentials/` (§3.6). */
export const UploadCredentialsSchema = z.looseObject({
  version: z.number().nullish(),
  access_key: str,
  secret_key: str,
  token: str,
  expiry_time: timestamp,
});
export type UploadCredentials = z.infer<typeof UploadCredentialsSchema>;

const S3LocationSchema = z.looseObject({ bucket: str, object_name: str });

/** `POST /api/v2/uploads-post-data/` (§3.7). */
export const UploadPostDataSchema = z.looseObject({
  id: str,
  destination_path: optStr,
  s3: S3LocationSchema.nullish(),
  last_status: StatusSchema.nullish(),
});
export type UploadPostData = z.infer<typeof UploadPostDataSchema>;

/** `POST /api/v2/uploads-url/` (§4.2). */
export const UploadUrlSchema = UploadPostDataSchema.extend({
  source: optStr,
  source_url: optStr,
});
export type UploadUrl = z.infer<typeof UploadUrlSchema>;

/** One read of a sample-sheet entry (§5). */
export const SheetReadSchema = z.looseObject({
  upload: str,
  destination_path: optStr,
  last_status: StatusSchema.nullish(),
  source_url: optStr,
});
export type SheetRead = z.infer<typeof SheetReadSchema>;

/** Item of `GET /api/v2/sample-sheet/` (§5). */
export const SampleSheetEntrySchema = z.looseObject({
  client_id: optStr,
  fastq: z.looseObject({ r1: SheetReadSchema.nullish(), r2: SheetReadSchema.nullish() }),
  sample: optStr,
});
export type SampleSheetEntry = z.infer<typeof SampleSheetEntrySchema>;

/** `POST /api/v2/project-samples/{id}` response (§6.3). */
export const AssignmentResponseSchema = z.looseObject({
  uploads: z.array(
    z.looseObject({
      client_id: optStr,
      fastq: z
        .looseObject({
          r1: z.looseObject({ upload: str }).nullish(),
          r2: z.looseObject({ upload: str }).nullish(),
        })
        .nullish(),
      sample: str,
    }),
  ),
  metadata: z.unknown().optional(),
});
export type AssignmentResponse = z.infer<typeof AssignmentResponseSchema>;

/** An object with no required content (202 empty bodies, hide/unhide responses). */
export const AnyObjectSchema = z.looseObject({});

// validation -----------------------------------------------------------------

/** Render a zod issue path as `results[3].last_status.status`. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out || '(root)';
}

/**
 * Validate a decoded response body against a schema. On failure throws
 * {@link ResponseShapeError} naming the endpoint and the first offending field.
 */
export function parseResponse<S extends z.ZodType>(
  schema: S,
  value: unknown,
  ctx: { method: string; endpoint: string; status?: number },
): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = formatIssuePath(issue?.path ?? []);
  const count = result.error.issues.length;
  const more = count > 1 ? ` (and ${count - 1} more issue${count > 2 ? 's' : ''})` : '';
  throw new ResponseShapeError(
    `Unexpected response from ${ctx.method} ${ctx.endpoint}: field "${field}": ${issue?.message ?? 'invalid'}${more}`,
    { ...ctx, field },
  );
}
