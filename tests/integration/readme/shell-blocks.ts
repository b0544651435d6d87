/**
 * The commands the docs tell users to run, read from the Markdown itself: README.md's ```sh fences and
 * the backticked `npx …` commands of examples/README.md's table.
 */

/** One ```sh fence of a Markdown file. */
export interface ShellBlock {
  /** The `##` (or deeper) heading the block sits under; `(top)` before the first heading. */
  section: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The block's lines, without the fences. */
  text: string;
}

/** Every ```sh (or ```bash / ```shell) fence of `markdown`, in order. */
export function shellBlocks(markdown: string): ShellBlock[] {
  const blocks: ShellBlock[] = [];
  const lines = markdown.split('\n');
  let section = '(top)';
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i]!;
    const heading = /^#{2,6}\s+(.*)$/.exec(line);
    if (heading) section = heading[1]!.trim();
    const fence = /^(`{3,})\s*(\w*)\s*$/.exec(line);
    if (!fence) continue;
    // Find the closing fence of this block whatever its language, so its body is not read as Markdown.
    let end = i + 1;
    while (end < lines.length && lines[end]!.trim() !== fence[1]) end += 1;
    if (['sh', 'bash', 'shell'].includes(fence[2]!)) {
      blocks.push({ section, line: i + 1, text: lines.slice(i + 1, end).join('\n') });
    }
    i = end;
  }
  return blocks;
}

/** The command lines of a block: its lines that start with `npx ` (here-documents and comments aside). */
export function commandLines(text: string): string[] {
  const commands: string[] = [];
  let hereDocEnd: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (hereDocEnd !== undefined) {
      if (line === hereDocEnd) hereDocEnd = undefined;
      continue;
    }
    const hereDoc = /<<-?\s*'?"?(\w+)'?"?/.exec(line);
    if (hereDoc) hereDocEnd = hereDoc[1];
    if (line.startsWith('npx ')) commands.push(line.replace(/\s+#.*$/, ''));
  }
  return commands;
}

/** The backticked `npx …` commands in the rows of a Markdown table (examples/README.md's "run" column). */
export function tableCommands(markdown: string): string[] {
  return markdown
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .flatMap((line) => [...line.matchAll(/`(npx [^`]+)`/g)].map((m) => m[1]!.trim()));
}
