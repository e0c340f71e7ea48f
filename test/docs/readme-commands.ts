/** The shell commands of a README: its `sh`/`bash`/`shell` blocks and the `$ ` lines of `console` ones. */

export interface CommandBlock {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  commands: string[];
}

/** A line without its trailing `# comment` (a `#` after a blank, outside quotes). */
export function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"') i++;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '\\') i++;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i).trimEnd();
  }
  return line.trimEnd();
}

export function commandBlocks(file: string, text: string): CommandBlock[] {
  const blocks: CommandBlock[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```(\w*)\s*$/.exec(lines[i]!);
    if (!fence) continue;
    const lang = fence[1]!;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^```\s*$/.test(lines[j]!); j++) body.push(lines[j]!);
    if (['sh', 'bash', 'shell'].includes(lang)) {
      const commands: string[] = [];
      let pending = '';
      for (const raw of body) {
        const line = stripComment(raw);
        if (line.endsWith('\\')) {
          pending += `${line.slice(0, -1).trimEnd()} `;
          continue;
        }
        const command = `${pending}${line.trim()}`.trim();
        pending = '';
        if (command) commands.push(command);
      }
      blocks.push({ file, line: i + 1, commands });
    } else if (lang === 'console') {
      const commands = body.filter((l) => l.startsWith('$ ')).map((l) => stripComment(l.slice(2)));
      if (commands.length > 0) blocks.push({ file, line: i + 1, commands });
    }
    i = j;
  }
  return blocks;
}
