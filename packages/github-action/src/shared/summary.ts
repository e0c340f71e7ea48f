/** Largest number of rows one table shows; the step summary is limited to 1 MiB per step. */
export const MAX_TABLE_ROWS = 500;

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\|/g, '&#124;');
}

export type Cell = string | number | { code: string };

function cell(value: Cell): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return escapeHtml(value);
  return `<code>${escapeHtml(value.code)}</code>`;
}

/**
 * Builds the Markdown/HTML appended to `GITHUB_STEP_SUMMARY`. Pure: every value is escaped here,
 * so names coming from files or from the server cannot inject markup.
 */
export class SummaryBuilder {
  readonly #parts: string[] = [];

  heading(text: string, level: 2 | 3 = 3): this {
    this.#parts.push(`<h${level}>${escapeHtml(text)}</h${level}>`);
    return this;
  }

  /** A line of facts: `label: value` pairs separated by ` · `. */
  facts(pairs: Array<[string, Cell]>): this {
    const shown = pairs.map(([label, value]) => `<b>${escapeHtml(label)}</b>: ${cell(value)}`);
    this.#parts.push(`<p>${shown.join(' · ')}</p>`);
    return this;
  }

  paragraph(text: string): this {
    this.#parts.push(`<p>${escapeHtml(text)}</p>`);
    return this;
  }

  table(header: string[], rows: Cell[][]): this {
    if (rows.length === 0) return this;
    const head = `<tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
    const shown = rows.slice(0, MAX_TABLE_ROWS);
    const body = shown.map((row) => `<tr>${row.map((c) => `<td>${cell(c)}</td>`).join('')}</tr>`);
    this.#parts.push(`<table>${head}${body.join('')}</table>`);
    if (rows.length > shown.length) {
      this.#parts.push(
        `<p><i>${rows.length - shown.length} more rows not shown; the step outputs list them all.</i></p>`,
      );
    }
    return this;
  }

  toString(): string {
    return `${this.#parts.join('\n')}\n`;
  }
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}
