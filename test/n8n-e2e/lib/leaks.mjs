/**
 * Leak scan, the same idea as test/helpers/secrets.ts (plain JS here: the e2e runs on Node 20
 * outside vitest): a secret counts as leaked in any form it could take in a log or a JSON output
 * — verbatim, URL-encoded, JSON-escaped. Findings name the kind of secret and where, never the
 * secret itself.
 */
import {
  closeSync,
  existsSync,
  lstatSync,
  openSync,
  readdirSync,
  readSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';

export const secretForms = (secret) => [
  ...new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)]),
];

/** Every `{kind, where}` of `sources` ({where, text}) containing one of `secrets` ({kind, value}). */
export function findLeaks(sources, secrets) {
  const leaks = [];
  for (const { where, text } of sources) {
    for (const { kind, value } of secrets) {
      if (secretForms(value).some((form) => text.includes(form))) leaks.push({ kind, where });
    }
  }
  return leaks;
}

/**
 * The kinds of `secrets` a file contains in any form, read in chunks (files of a GiB are scanned
 * too, without holding them in memory); chunks overlap by the longest form.
 */
export function secretsInFile(path, secrets) {
  const needles = secrets.flatMap(({ kind, value }) =>
    secretForms(value).map((form) => ({ kind, bytes: Buffer.from(form, 'latin1') })),
  );
  const overlap = Math.max(1, ...needles.map((n) => n.bytes.length)) - 1;
  const chunk = Buffer.alloc(16 * 2 ** 20 + overlap);
  const found = new Set();
  const fd = openSync(path, 'r');
  try {
    let kept = 0;
    for (;;) {
      const read = readSync(fd, chunk, kept, chunk.length - kept, null);
      const view = chunk.subarray(0, kept + read);
      for (const { kind, bytes } of needles) if (view.includes(bytes)) found.add(kind);
      if (read === 0) break;
      kept = Math.min(overlap, view.length);
      view.copy(chunk, 0, view.length - kept);
    }
  } finally {
    closeSync(fd);
  }
  return [...found];
}

/** Replaces every form of every secret, for what the script prints when something fails. */
export function redact(text, secrets) {
  let out = String(text);
  for (const { kind, value } of secrets) {
    for (const form of secretForms(value)) out = out.replaceAll(form, `[redacted ${kind}]`);
  }
  return out;
}

/** Every file under `dir` (symbolic links not followed), minus the paths `skip` accepts. */
export function filesUnder(dir, skip = () => false) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath ?? entry.path, entry.name);
    if (entry.isFile() && !skip(path) && !lstatSync(path).isSymbolicLink()) out.push(path);
  }
  return out;
}

/**
 * The secrets of one run by kind: what the sandbox issued (API key, passwords, JWTs, upload
 * credentials, presigned-URL signatures), the webhook secret and n8n's encryption key.
 */
export function knownSecrets({ sandbox, webhookSecret, encryptionKey }) {
  const kindOf = (value) => {
    if (value === sandbox.apiKey) return 'API key';
    if (value === sandbox.password) return 'account password';
    if (value === webhookSecret) return 'webhook secret';
    if (/^eyJ[\w-]*\.[\w-]*\.[\w-]*$/.test(value)) return 'JWT (access or refresh token)';
    if (value.startsWith('IQoJ')) return 'S3 session token';
    if (/^[0-9a-f]{64}$/.test(value)) return 'presigned-URL signature';
    if (/^[A-Za-z0-9]{40}$/.test(value)) return 'S3 secret access key';
    return 'other issued secret (a seeded password)';
  };
  const values = new Set([
    sandbox.apiKey,
    sandbox.password,
    webhookSecret,
    ...sandbox.control.issuedSecrets(),
  ]);
  return [
    // short values would match by accident (as test/helpers/secrets.ts: at least 8 characters)
    ...[...values].filter((v) => v.length >= 8).map((value) => ({ kind: kindOf(value), value })),
    { kind: 'n8n encryption key', value: encryptionKey },
  ];
}

/**
 * Scans what n8n printed and read-back outputs (`outputs`: {where, text}) and the files of the
 * run: what the workflows wrote (`written`), n8n's log files, its temporary folder and user
 * folder — but n8n's `config` (holds the encryption key by design), its SQLite database
 * (credentials encrypted; execution data as the workflows produced it) and the installed copy of
 * this package. Files over `maxFileBytes` are left out and counted: the GiB transfers' copies,
 * whose bytes the script generated itself (scanning each for every form of every secret would take
 * minutes). Returns a description of what was scanned; throws naming each leak.
 */
export function scanForLeaks({
  work,
  env,
  outputs,
  written,
  logs,
  secrets,
  maxFileBytes = 2 ** 26,
}) {
  const n8nFolder = join(env.N8N_USER_FOLDER, '.n8n');
  const candidates = [
    ...filesUnder(written),
    ...filesUnder(logs),
    ...filesUnder(env.TMPDIR),
    ...filesUnder(
      n8nFolder,
      (path) =>
        path.startsWith(join(n8nFolder, 'nodes/')) ||
        path === join(n8nFolder, 'config') ||
        /database\.sqlite/.test(path),
    ),
  ];
  const scanned = candidates.filter((path) => statSync(path).size <= maxFileBytes);
  const leaks = [
    ...findLeaks(outputs, secrets),
    ...scanned.flatMap((path) =>
      secretsInFile(path, secrets).map((kind) => ({
        kind,
        where: `file ${path.slice(work.length + 1)}`,
      })),
    ),
  ];
  if (leaks.length > 0) {
    throw new Error(
      `secrets leaked:\n${leaks.map((l) => `  - ${l.kind} in ${l.where}`).join('\n')}`,
    );
  }
  return {
    secrets: secrets.length,
    kinds: [...new Set(secrets.map((s) => s.kind))],
    sources: outputs.length + scanned.length,
    skippedLargeFiles: candidates.length - scanned.length,
    outputsRead: outputs.some((s) => s.where.startsWith('execution output')),
    writtenScanned: scanned.some((f) => f.startsWith(written)),
    logsScanned: scanned.some((f) => f.startsWith(logs)),
  };
}
