/**
 * House rule (docs/architecture.md): no function in src/ is longer than 100 lines (aim for ~60).
 * Every function, method, constructor, accessor and arrow function counts, nested ones included,
 * from its first line to its last.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const LIMIT = 100;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** `file:line name (N lines)` for every function longer than `limit`. */
export function longFunctions(file: string, limit: number): string[] {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.end).line;
      const lines = end - start + 1;
      if (lines > limit) {
        const name = node.name && ts.isIdentifier(node.name) ? node.name.text : '(anonymous)';
        found.push(`${relative('.', file)}:${start + 1} ${name} (${lines} lines)`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('function length', () => {
  it(`no function in src/ is over ${LIMIT} lines`, () => {
    const files = sourceFiles('src');
    expect(files.length).toBeGreaterThan(100);
    expect(files.flatMap((f) => longFunctions(f, LIMIT))).toEqual([]);
  });

  it('the measure finds a long function', () => {
    const lines = ['export function long(): number {', '  let x = 0;', ...Array.from({ length: LIMIT }, () => '  x++;'), '  return x;', '}'];
    const file = join(tmpdir(), `long-${process.pid}.ts`);
    writeFileSync(file, lines.join('\n'));
    expect(longFunctions(file, LIMIT)).toHaveLength(1);
  });
});
