import { MAP_FILE_COLUMNS } from './parse.js';

export interface MapFileRow {
  clientId: string;
  read: 'R1' | 'R2';
  path: string;
}

/** Quotes a CSV cell when it needs it (RFC 4180). */
function cell(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** A map file the strict parser accepts: header, then `client_id,r_notation,path` rows. */
export function formatMapFile(rows: readonly MapFileRow[]): string {
  const lines = [MAP_FILE_COLUMNS.join(',')];
  for (const row of rows) lines.push([row.clientId, row.read, row.path].map(cell).join(','));
  return `${lines.join('\n')}\n`;
}
