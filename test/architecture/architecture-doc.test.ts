/**
 * docs/architecture.md is the contributor map: it must name every folder of src/ (a new folder
 * means a new line there) and every file it points at must exist.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function folders(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).flatMap((e) => {
    const path = join(dir, e.name);
    return [path, ...folders(path)];
  });
}

describe('docs/architecture.md', () => {
  const text = readFileSync('docs/architecture.md', 'utf8');

  it('names every folder of src/', () => {
    const all = folders('src');
    expect(all.length).toBeGreaterThan(10);
    expect(all.filter((f) => !text.includes(`\`${f}/\``))).toEqual([]);
  });

  it('every src/ path it names exists', () => {
    const paths = [...text.matchAll(/`(src\/[\w./-]+)`/g)].map((m) => m[1]!);
    expect(paths.length).toBeGreaterThan(30);
    expect(paths.filter((p) => !existsSync(p))).toEqual([]);
  });
});
