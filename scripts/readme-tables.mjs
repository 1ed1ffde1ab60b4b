#!/usr/bin/env node
/**
 * The README's result tables are copied from the reports under results/, never typed by hand.
 * A block in README.md between
 *
 *   <!-- table: results/<folder>/report.md "## <section>" -->
 *   …
 *   <!-- end table -->
 *
 * holds the first Markdown table of that section of that report. `npm run readme` rewrites every
 * block; `npm run readme -- --check` (and the test suite) fails when a block differs from its report.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BLOCK = /(<!-- table: (\S+) "([^"]+)" -->\n)([\s\S]*?)(<!-- end table -->)/g;

/** The first table (consecutive lines starting with `|`) after the heading `section` of `markdown`. */
export function sectionTable(markdown, section, source) {
  const lines = markdown.split('\n');
  const start = lines.indexOf(section);
  if (start < 0) throw new Error(`${source}: no section "${section}"`);
  const level = section.match(/^#+/)?.[0].length ?? 0;
  const table = [];
  for (const line of lines.slice(start + 1)) {
    const heading = line.match(/^(#+) /);
    if (heading && heading[1].length <= level) break;
    if (line.startsWith('|')) table.push(line);
    else if (table.length) break;
  }
  if (!table.length) throw new Error(`${source}: section "${section}" holds no table`);
  return table.join('\n') + '\n';
}

/** README text with every block refreshed, and the blocks that changed. */
export function refreshTables(readme, root) {
  const stale = [];
  let blocks = 0;
  const text = readme.replace(BLOCK, (_all, open, file, section, body, close) => {
    blocks++;
    const table = sectionTable(readFileSync(join(root, file), 'utf8'), section, file);
    if (table !== body) stale.push(`${file} "${section}"`);
    return open + table + close;
  });
  return { text, stale, blocks };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const path = join(root, 'README.md');
  const { text, stale, blocks } = refreshTables(readFileSync(path, 'utf8'), root);
  if (process.argv.includes('--check')) {
    if (stale.length) {
      console.error(`README.md: ${stale.length} of ${blocks} table(s) differ from their reports: ${stale.join(', ')} (npm run readme rewrites them)`);
      process.exit(1);
    }
    console.log(`README.md: ${blocks} table(s) match their reports`);
  } else {
    writeFileSync(path, text);
    console.log(`README.md: ${blocks} table(s) from results/, ${stale.length} rewritten`);
  }
}
