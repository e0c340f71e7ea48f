// Small synthetic FASTQ files for the demo: real gzipped FASTQ records, Illumina-style names.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

function fastq(sampleId, read, records = 200) {
  const bases = 'ACGT';
  let text = '';
  let seed = [...`${sampleId}${read}`].reduce((a, c) => a + c.charCodeAt(0), 7);
  for (let i = 0; i < records; i++) {
    let seq = '';
    for (let j = 0; j < 100; j++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      seq += bases[seed % 4];
    }
    text += `@${sampleId}:${i + 1} ${read === 'R1' ? 1 : 2}:N:0\n${seq}\n+\n${'I'.repeat(100)}\n`;
  }
  return gzipSync(text);
}

/** Writes `<id>_S<n>_L001_R{1,2}_001.fastq.gz` for each sample id; returns the paths. */
export async function writeDemoFastqs(folder, sampleIds) {
  await mkdir(folder, { recursive: true });
  const paths = [];
  for (const [index, id] of sampleIds.entries()) {
    for (const read of ['R1', 'R2']) {
      const path = join(folder, `${id}_S${index + 1}_L001_${read}_001.fastq.gz`);
      await writeFile(path, fastq(id, read));
      paths.push(path);
    }
  }
  return paths;
}

/**
 * Puts FASTQs into the sandbox's S3 as a lab would in its own bucket and writes a
 * `urls.fastq-map.csv` of presigned URLs to them.
 */
export async function writeUrlMapFile(sandbox, folder, sampleIds) {
  const rows = ['client_id,r_notation,path'];
  for (const id of sampleIds) {
    for (const read of ['R1', 'R2']) {
      // Presigned for 7 days, as Gencove advises: it fetches the URL only when the sample runs.
      const url = await sandbox.control.putExternalObject(
        `${id}_${read}.fastq.gz`,
        fastq(id, read),
        7 * 24 * 3600,
      );
      rows.push(`${id},${read},${url}`);
    }
  }
  const path = join(folder, 'urls.fastq-map.csv');
  await writeFile(path, `${rows.join('\n')}\n`);
  return path;
}
