/**
 * Every ```ts block of README.md and docs/*.md compiles as a strict consumer project would
 * compile it, against the built package (scripts/doc-snippets.ts states the convention: pages are
 * modules, hidden `ts-prelude` comments supply what the prose implies). Synthetic pages in the
 * same compiler run show that errors are found and located on their Markdown line, and pin the
 * strict-consumer typing of the op builders and `addNode`.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type SnippetModule, type SnippetProblem, checkSnippets, readSnippetPages, snippetModule } from '../scripts/doc-snippets.js';

const root = resolve('.');
const built = existsSync('dist/src/index.d.ts');

const probe = (body: string): string => ['# probe', '', '```ts', body, '```', ''].join('\n');
const SYNTHETIC = [
  // line 4 of each page is the body's first line
  { page: 'probe/type-error.md', markdown: probe("const n: number = 'four';") },
  { page: 'probe/custom-op.md', markdown: probe("import { rule } from 'onnx-surgeon';\nrule({ name: 'c', pattern: (op, x) => op.Relu(x), replace: (b, m) => b.op.MyCustomOp(m.value('x')) });") },
  { page: 'probe/strict-api.md', markdown: probe([
    "import { DType, type Value, loadModel, pattern, rule } from 'onnx-surgeon';",
    "declare const x: Value; declare const name: string | undefined;",
    "const model = await loadModel('m.onnx');",
    "model.graph.addNode({ op: 'Relu', inputs: [x], name, outputTypes: [{ dtype: DType.FLOAT, shape: x.type?.shape }] });",
    "pattern((op, a, w, bias) => op.Add(op.MatMul(a, w), bias));",
    "rule({ name: 'g', pattern: (op, a, w, bias) => op.Add(op.MatMul(a, w), bias), replace: (b, m) => b.op.Gemm(m.value('a'), m.value('w'), m.value('bias')) });",
  ].join('\n')) },
];

describe.runIf(built)('documentation snippets', () => {
  let modules: SnippetModule[] = [];
  let problems: SnippetProblem[] = [];
  beforeAll(() => {
    ({ modules, problems } = checkSnippets(root, [...readSnippetPages(root), ...SYNTHETIC]));
  }, 120_000);
  const onPage = (page: string): string[] => problems.filter((p) => p.page === page).map((p) => `${p.line}: ${p.message}`);

  it('every ```ts block in README.md and docs/*.md compiles under strict consumer settings', () => {
    const pages = readSnippetPages(root);
    const real = problems.filter((p) => !p.page.startsWith('probe/'));
    expect(real.map((p) => `${p.page}:${p.line}: ${p.message}`)).toEqual([]);
    for (const { page, markdown } of pages) {
      const fences = markdown.split('\n').filter((l) => /^\s*```ts\s*$/.test(l)).length;
      expect(modules.find((m) => m.page === page)?.blocks ?? 0, page).toBe(fences);
    }
    expect(modules.filter((m) => !m.page.startsWith('probe/')).reduce((n, m) => n + m.blocks, 0)).toBeGreaterThanOrEqual(15);
  });

  it('a type error is reported on its Markdown line', () => {
    expect(onPage('probe/type-error.md')).toEqual([expect.stringMatching(/^4: TS2322: Type 'string' is not assignable to type 'number'/)]);
  });

  it('custom ops through b.op are possibly undefined under noUncheckedIndexedAccess (use b.node)', () => {
    expect(onPage('probe/custom-op.md')).toEqual([expect.stringMatching(/^5: TS2722:/)]);
  });

  it('the documented op builder calls and addNode with optional parts compile', () => {
    expect(onPage('probe/strict-api.md')).toEqual([]);
  });
});

describe('snippet extraction', () => {
  it('keeps line numbers and puts preludes on their own lines', () => {
    const md = ['text', '<!-- ts-prelude: declare const a: number; -->', '```ts', 'a + 1;', '```', '<!-- ts-prelude', 'declare const b: number;', '-->', '```ts', 'b;', '```'].join('\n');
    const { module, problems } = snippetModule('p.md', md);
    expect(problems).toEqual([]);
    expect(module.blocks).toBe(2);
    expect(module.source.split('\n').slice(0, 11)).toEqual(['', 'declare const a: number;', '', 'a + 1;', '', '', 'declare const b: number;', '', '', 'b;', '']);
  });

  it('refuses a prelude without its block and ```typescript fences', () => {
    const md = ['<!-- ts-prelude: const a = 1; -->', 'prose', '```typescript', 'x', '```', '<!-- ts-prelude: const b = 1; -->', '```sh', 'ls', '```'].join('\n');
    expect(snippetModule('p.md', md).problems.map((p) => `${p.line}: ${p.message}`)).toEqual([
      '1: ts-prelude not followed by a ```ts block',
      '3: write ```ts, not ```typescript (only ```ts blocks are compiled)',
      '6: ts-prelude not followed by a ```ts block',
    ]);
  });
});
