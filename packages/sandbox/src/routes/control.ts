import { chaosOptionsFromJson } from '../chaos/json.js';
import { ApiError } from '../errors.js';
import { ruleFromJson } from '../faults.js';
import { sendJson, sendText } from '../http.js';
import type { Router } from '../router.js';
import type { SandboxControl } from '../types.js';

type Info = () => Record<string, unknown>;

const obj = (body: unknown): Record<string, unknown> =>
  body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};

const ids = (body: unknown, field: string): string[] => {
  const value = obj(body)[field];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new ApiError(400, { [field]: ['Expected a list of IDs.'] });
  }
  return value;
};

const guard = <T>(fn: () => T): T => {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw new ApiError(400, { detail: (err as Error).message });
  }
};

/** The control API under /_sandbox (unauthenticated; not logged; faults never apply). */
export function controlRoutes(router: Router, control: SandboxControl, info: Info): void {
  router.on('GET', '/_sandbox', (ctx) => sendJson(ctx, 200, info()));
  router.on('GET', '/_sandbox/info', (ctx) => sendJson(ctx, 200, info()));

  router.on('POST', '/_sandbox/advance', async (ctx) => {
    const ms = Number(obj(ctx.body).ms);
    if (!Number.isFinite(ms) || ms < 0)
      throw new ApiError(400, { ms: ['A number >= 0 is required.'] });
    await control.advance(ms);
    sendJson(ctx, 200, { advanced: ms });
  });

  router.on('POST', '/_sandbox/samples/([^/]+)/status', async (ctx) => {
    const body = obj(ctx.body);
    if (typeof body.status !== 'string') throw new ApiError(400, { status: ['Required.'] });
    const note = typeof body.note === 'string' ? body.note : '';
    try {
      await control.setSampleStatus(ctx.params[0]!, body.status, note);
    } catch (err) {
      throw new ApiError(404, { detail: (err as Error).message });
    }
    sendJson(ctx, 200, control.getSample(ctx.params[0]!));
  });

  router.on('POST', '/_sandbox/samples/([^/]+)/external-files', (ctx) => {
    const sampleId = ctx.params[0]!;
    if (!control.getSample(sampleId)) throw new ApiError(404, { detail: 'Not found.' });
    // The entries are checked at run time, whatever JSON arrived.
    const files = obj(ctx.body).files as Parameters<SandboxControl['addExternalFiles']>[1];
    sendJson(
      ctx,
      200,
      guard(() => control.addExternalFiles(sampleId, files)),
    );
  });

  router.on('GET', '/_sandbox/samples/([^/]+)', (ctx) => {
    const sample = control.getSample(ctx.params[0]!);
    if (!sample) throw new ApiError(404, { detail: 'Not found.' });
    sendJson(ctx, 200, sample);
  });

  router.on('GET', '/_sandbox/uploads/([^/]+)', (ctx) => {
    const upload = control.getUpload(ctx.params[0]!);
    if (!upload) throw new ApiError(404, { detail: 'Not found.' });
    sendJson(ctx, 200, upload);
  });

  router.on('POST', '/_sandbox/uploads/([^/]+)/delete', (ctx) => {
    guard(() => control.deleteUpload(ctx.params[0]!));
    sendJson(ctx, 200, control.getUpload(ctx.params[0]!));
  });

  router.on('POST', '/_sandbox/archive', (ctx) => {
    guard(() => control.archiveSamples(ids(ctx.body, 'sample_ids')));
    sendJson(ctx, 200, {});
  });

  router.on('POST', '/_sandbox/complete-restores', async (ctx) => {
    await control.completeRestores();
    sendJson(ctx, 200, {});
  });

  router.on('POST', '/_sandbox/faults', (ctx) => {
    const id = guard(() => control.addFault(ruleFromJson(ctx.body)));
    sendJson(ctx, 201, { id });
  });
  router.on('DELETE', '/_sandbox/faults', (ctx) => {
    control.clearFaults();
    sendJson(ctx, 200, {});
  });
  router.on('DELETE', '/_sandbox/faults/([^/]+)', (ctx) => {
    control.removeFault(ctx.params[0]!);
    sendJson(ctx, 200, {});
  });

  router.on('GET', '/_sandbox/requests', (ctx) => sendJson(ctx, 200, control.requests));
  router.on('DELETE', '/_sandbox/requests', (ctx) => {
    control.clearRequests();
    sendJson(ctx, 200, {});
  });

  router.on('GET', '/_sandbox/webhooks', (ctx) => sendJson(ctx, 200, control.webhooks));

  router.on('POST', '/_sandbox/chaos', (ctx) => {
    guard(() => control.setChaos(chaosOptionsFromJson(ctx.body)));
    sendJson(ctx, 200, control.chaosReport());
  });
  router.on('DELETE', '/_sandbox/chaos', (ctx) => {
    control.setChaos(null);
    sendJson(ctx, 200, {});
  });
  router.on('GET', '/_sandbox/chaos', (ctx) => sendJson(ctx, 200, control.chaosReport()));
  router.on('GET', '/_sandbox/issued-secrets', (ctx) =>
    sendJson(ctx, 200, control.issuedSecrets()),
  );

  const action = (name: string, fn: () => void) =>
    router.on('POST', `/_sandbox/${name}`, (ctx) => {
      fn();
      sendJson(ctx, 200, {});
    });
  action('expire-access-tokens', () => control.expireAccessTokens());
  action('expire-download-urls', () => control.expireDownloadUrls());
  action('expire-upload-credentials', () => control.expireUploadCredentials());

  router.on('POST', '/_sandbox/modes', (ctx) => {
    const body = obj(ctx.body);
    if (typeof body.hostileFilenames === 'boolean')
      control.setHostileFilenames(body.hostileFilenames);
    if (typeof body.corruptDownloads === 'boolean') control.corruptDownloads(body.corruptDownloads);
    if (typeof body.truncateDownloads === 'boolean')
      control.truncateDownloads(body.truncateDownloads);
    sendJson(ctx, 200, {});
  });

  router.on('GET', '/_sandbox/s3/([^/]+)/(.+)', async (ctx) => {
    const data = await control.s3Object(ctx.params[0]!, ctx.params[1]!);
    if (!data) throw new ApiError(404, { detail: 'Not found.' });
    ctx.res.writeHead(200, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(data.length),
    });
    ctx.res.end(data);
  });

  router.on('GET', '/_sandbox/health', (ctx) =>
    sendText(ctx, 200, 'ok\n', { 'Content-Type': 'text/plain' }),
  );
}
