/**
 * Type-checks every ```ts block of README.md and docs/*.md the way a user's strict project would
 * see it: against the built package (`import ... from 'onnx-surgeon'` resolves through its
 * package.json `exports` to `dist/`), with the settings of scripts/strict-consumer.ts (`strict`,
 * `noUncheckedIndexedAccess`, `exactOptionalPropertyTypes`, `module: nodenext`, no `skipLibCheck`).
 *
 * The convention, so that snippets cannot rot silently:
 * - Every ```ts block compiles; there is no opt-out. Text that is not TypeScript goes in another
 *   fence (```text, ```sh).
 * - The blocks of one page form one module, in page order, like a reader reads them: a later
 *   block may use what an earlier one declared (`model`, `graph`).
 * - What a block needs but does not show (a variable from the surrounding prose, a type import)
 *   goes in a hidden prelude right before the block, an HTML comment that renderers do not show:
 *   `<!-- ts-prelude: declare const x: Value; -->`, or over several lines
 *   `<!-- ts-prelude` ... `-->`. A prelude that is not followed by a ```ts block is an error.
 * Each page becomes one `.mts` file whose line numbers are the page's, so an error points at the
 * Markdown line.
 *
 * Run: `npm run build && node dist/scripts/doc-snippets.js` (test/docs-snippets.test.ts runs it).
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileStrictConsumer } from './strict-consumer.js';

/** One page turned into a module. */
export interface SnippetModule {
  /** The Markdown file, relative to the repository root. */
  page: string;
  /** Module text: the page's line count, code only on the lines of its blocks and preludes. */
  source: string;
  /** Number of ```ts blocks. */
  blocks: number;
}

/** A problem, located in the Markdown page. */
export interface SnippetProblem {
  page: string;
  line: number;
  message: string;
}

/** The pages whose snippets are checked: README.md and docs/*.md (not the generated API site). */
export function snippetPages(root: string): string[] {
  const docs = readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`);
  return ['README.md', ...docs];
}

const FENCE = /^\s*(`{3,}|~{3,})\s*([\w-]*)/;
const PRELUDE_LINE = /^\s*<!--\s*ts-prelude:(.*)-->\s*$/;
const PRELUDE_OPEN = /^\s*<!--\s*ts-prelude\s*$/;

/** Extracts a page's ```ts blocks and preludes into one line-aligned module. */
export function snippetModule(page: string, markdown: string): { module: SnippetModule; problems: SnippetProblem[] } {
  const lines = markdown.split('\n');
  const out = lines.map(() => '');
  const problems: SnippetProblem[] = [];
  let blocks = 0;
  let openPrelude: number | undefined; // line (0-based) of a prelude waiting for its block
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const single = PRELUDE_LINE.exec(line);
    if (single || PRELUDE_OPEN.test(line)) {
      if (openPrelude !== undefined) problems.push({ page, line: openPrelude + 1, message: 'ts-prelude not followed by a ```ts block' });
      openPrelude = i;
      if (single) {
        out[i] = single[1]!.trim();
        continue;
      }
      for (i++; i < lines.length && !/^\s*-->\s*$/.test(lines[i]!); i++) out[i] = lines[i]!;
      if (i === lines.length) problems.push({ page, line: openPrelude + 1, message: 'ts-prelude comment is not closed by a line "-->"' });
      continue;
    }
    const fence = FENCE.exec(line);
    if (!fence) {
      if (openPrelude !== undefined && line.trim() !== '') {
        problems.push({ page, line: openPrelude + 1, message: 'ts-prelude not followed by a ```ts block' });
        openPrelude = undefined;
      }
      continue;
    }
    const [, marker, language] = fence;
    const isTs = language === 'ts';
    if (['typescript', 'tsx', 'mts'].includes(language!)) problems.push({ page, line: i + 1, message: `write \`\`\`ts, not \`\`\`${language} (only \`\`\`ts blocks are compiled)` });
    if (!isTs && openPrelude !== undefined) {
      problems.push({ page, line: openPrelude + 1, message: 'ts-prelude not followed by a ```ts block' });
    }
    openPrelude = undefined;
    if (isTs) blocks++;
    for (i++; i < lines.length && !lines[i]!.trimStart().startsWith(marker!); i++) if (isTs) out[i] = lines[i]!;
  }
  if (openPrelude !== undefined) problems.push({ page, line: openPrelude + 1, message: 'ts-prelude not followed by a ```ts block' });
  return { module: { page, source: `${out.join('\n')}\nexport {};\n`, blocks }, problems };
}

/** A page to check: its name (for messages) and its Markdown. */
export interface SnippetPage {
  page: string;
  markdown: string;
}

/** The pages of {@link snippetPages}, read from `root`. */
export function readSnippetPages(root: string): SnippetPage[] {
  return snippetPages(root).map((page) => ({ page, markdown: readFileSync(join(root, page), 'utf8') }));
}

/**
 * Type-checks the snippets of `pages` against the package at `root` (which must be built), all in
 * one compiler program. Returns every problem and the modules checked.
 */
export function checkSnippets(root: string, pages: readonly SnippetPage[] = readSnippetPages(root)): { modules: SnippetModule[]; problems: SnippetProblem[] } {
  const work = mkdtempSync(join(tmpdir(), 'onnx-surgeon-snippets-'));
  try {
    // A consumer's layout: the package under node_modules (a link to the repository), resolved
    // through its package.json exports like any installed dependency.
    mkdirSync(join(work, 'node_modules'));
    symlinkSync(root, join(work, 'node_modules', 'onnx-surgeon'), 'dir');
    const problems: SnippetProblem[] = [];
    const modules: SnippetModule[] = [];
    const fileToPage = new Map<string, string>();
    for (const { page, markdown } of pages) {
      const extracted = snippetModule(page, markdown);
      problems.push(...extracted.problems);
      if (extracted.module.blocks === 0) continue;
      modules.push(extracted.module);
      const file = join(work, `${page.replace(/[/.]/g, '_')}.mts`);
      writeFileSync(file, extracted.module.source);
      fileToPage.set(resolve(file), page);
    }
    for (const problem of compileStrictConsumer([...fileToPage.keys()], { typeRoots: [join(root, 'node_modules', '@types')] })) {
      const page = fileToPage.get(resolve(problem.file)) ?? relative(root, problem.file);
      problems.push({ page, line: problem.line, message: problem.message });
    }
    return { modules, problems };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const { modules, problems } = checkSnippets(root);
  for (const p of problems) console.log(`${p.page}:${p.line}: ${p.message}`);
  console.log(`${modules.reduce((n, m) => n + m.blocks, 0)} ts blocks in ${modules.length} pages, ${problems.length} problem(s)`);
  process.exitCode = problems.length ? 1 : 0;
}
