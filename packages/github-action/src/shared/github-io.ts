import * as core from '@actions/core';
import type { ActionIo, Annotation } from './action-io.js';
import { SecretMasker } from './masking.js';
import type { SummaryBuilder } from './summary.js';

/**
 * The runner parses any output line that starts with `::` as a workflow command. File names and
 * server messages are not ours, so a line that would start a command is defused with a
 * zero-width space (invisible in the log).
 */
export function defuseCommands(text: string): string {
  return text.replace(/^(\s*)::/gm, '$1:\u200b:');
}

export function githubIo(): ActionIo & { masker: SecretMasker } {
  const masker = new SecretMasker((secret) => core.setSecret(secret));
  const clean = (text: string) => defuseCommands(masker.text(text));
  let inGroup = false;

  const props = (annotation?: Annotation): core.AnnotationProperties => ({
    ...(annotation?.title ? { title: masker.text(annotation.title) } : {}),
    ...(annotation?.file ? { file: masker.text(annotation.file) } : {}),
    ...(annotation?.line ? { startLine: annotation.line } : {}),
  });

  return {
    masker,
    info: (text) => core.info(clean(text)),
    debug: (text) => core.debug(masker.text(text)),
    warning: (text, annotation) => core.warning(masker.text(text), props(annotation)),
    error: (text, annotation) => core.error(masker.text(text), props(annotation)),
    async group(name, work) {
      if (inGroup) return work();
      inGroup = true;
      core.startGroup(clean(name));
      try {
        return await work();
      } finally {
        core.endGroup();
        inGroup = false;
      }
    },
    setOutput(name, value) {
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      core.setOutput(name, masker.text(text));
    },
    mask: (secret) => masker.add(secret),
    maskUrlSignatures: (url) => masker.addUrlSignatures(url),
    async writeSummary(summary: SummaryBuilder) {
      if (!process.env.GITHUB_STEP_SUMMARY) {
        core.debug('GITHUB_STEP_SUMMARY is not set; job summary skipped.');
        return;
      }
      await core.summary.addRaw(masker.text(summary.toString())).write();
    },
  };
}
