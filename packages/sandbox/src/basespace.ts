import type { Store } from './state.js';

const DAY = 24 * 3600 * 1000;

/**
 * BaseSpace fixtures: the projects and biosamples that `basespace-projects/` and
 * `basespace-project-biosamples/{id}` list for the sandbox's organization. BaseSpace IDs are
 * numeric strings, as Illumina's are. A biosample whose name contains FAILQC / FAIL ends that way
 * when imported (the pipeline's client-ID rule).
 */
export const BASESPACE_FIXTURES = [
  {
    basespaceId: '4100001',
    name: 'NovaSeq run 2026-01 plate 1',
    description: 'Seeded by gencove-sandbox',
    biosamples: ['BS-P1-A01', 'BS-P1-A02', 'BS-P1-A03-FAILQC'],
  },
  {
    basespaceId: '4100002',
    name: 'NovaSeq run 2026-01 plate 2',
    description: 'Seeded by gencove-sandbox',
    biosamples: ['BS-P2-B01', 'BS-P2-B02'],
  },
  {
    basespaceId: '4100003',
    name: 'MiSeq validation run',
    description: '',
    biosamples: [],
  },
];

export function seedBaseSpace(store: Store, base: number): void {
  for (const [i, p] of BASESPACE_FIXTURES.entries()) {
    store.basespaceProjects.set(p.basespaceId, {
      basespaceId: p.basespaceId,
      name: p.name,
      description: p.description,
      createdMs: base + (10 + i) * DAY,
      biosamples: p.biosamples.map((name, j) => ({
        basespaceId: String(Number(p.basespaceId) * 100 + j + 1),
        name,
        createdMs: base + (10 + i) * DAY + j * 60_000,
      })),
    });
  }
}
