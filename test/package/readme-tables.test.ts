/**
 * The README's result tables are the reports' tables under results/ (scripts/readme-tables.mjs):
 * the check fails when one was edited by hand or a report was redrawn without `npm run readme`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module script without type declarations
import { refreshTables, sectionTable } from '../../scripts/readme-tables.mjs';

const root = join(import.meta.dirname, '../..');

describe('README tables from results/', () => {
  it('every table block of the README equals its report', () => {
    const { stale, blocks } = refreshTables(readFileSync(join(root, 'README.md'), 'utf8'), root);
    expect(blocks).toBeGreaterThan(0);
    expect(stale).toEqual([]);
  });

  it('takes the first table of the named section, and says what is missing', () => {
    const md = '# r\n\n## Verdicts\n\nintro\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n| other |\n\n## Next\n\n| x |\n';
    expect(sectionTable(md, '## Verdicts', 'r.md')).toBe('| a | b |\n|---|---|\n| 1 | 2 |\n');
    expect(() => sectionTable(md, '## Missing', 'r.md')).toThrow('r.md: no section "## Missing"');
    expect(() => sectionTable('## Empty\n\ntext\n## Next\n| x |\n', '## Empty', 'r.md')).toThrow('holds no table');
  });

  it('a hand-edited block is reported stale and rewritten', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const edited = readme.replace(/(<!-- table: [^\n]+\n\|[^\n]*\n\|[^\n]*\n\|)/, '$1 edited');
    expect(edited).not.toBe(readme);
    const { text, stale } = refreshTables(edited, root);
    expect(stale.length).toBe(1);
    expect(text).toBe(readme);
  });
});
