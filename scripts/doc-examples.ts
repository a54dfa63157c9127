/**
 * Type-checks the `@example` blocks of the public API's TSDoc (what the typedoc site shows): every
 * ```ts block under an `@example` tag of an exported declaration, of its class or interface
 * members, and of each entry point's module comment, compiled like the Markdown snippets
 * (scripts/doc-snippets.ts) against the built package with the strict consumer settings.
 *
 * The convention, so an example stays short and still compiles:
 * - Each example is its own module. Its `import` lines are kept as written; every other name it
 *   uses that the package root or a subpath exporting the documented symbol exports is imported
 *   for it (from the root first), so an example need not repeat imports its page implies.
 * - The free variables below ({@link EXAMPLE_GLOBALS}) stand for "a model you have", "a value of
 *   that graph" and so on. The example's body is wrapped in a block, so it may also declare them
 *   itself (`const model = await loadModel(...)`).
 * - Anything else an example needs, it declares or imports visibly. There is no opt-out: text
 *   that is not TypeScript goes in another fence (```text, ```sh).
 * A failure names the symbol and the source line: `src/ir/graph.ts:45 Graph (@example): TS2304: ...`.
 *
 * Run: `npm run build && node dist/scripts/doc-examples.js` (test/docs-examples.test.ts runs it).
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { compileStrictConsumer } from './strict-consumer.js';

/** Free variables every example may use without declaring them: things a reader already has. */
export const EXAMPLE_GLOBALS = `
declare const model: Model;
declare const graph: Graph;
declare const node: Node;
declare const value: Value;
declare const x: Value;
declare const y: Value;
declare const tensor: Tensor;
`;
/** The types {@link EXAMPLE_GLOBALS} names, imported from the package root. */
const GLOBAL_TYPES = ['Model', 'Graph', 'Node', 'Value', 'Tensor'];

/** One `@example` ```ts block and where it was written. */
export interface DocExample {
  /** The documented thing: `loadModel`, `Graph.addNode`, `module onnx-surgeon/ir`. */
  symbol: string;
  /** The package subpaths that export it, the root first: `onnx-surgeon`, `onnx-surgeon/ir`. */
  subpaths: string[];
  /** Source file, relative to the repository root. */
  file: string;
  /** 1-based source line of the block's first code line. */
  line: number;
  /** The code, comment markers removed. */
  code: string;
}

/** A problem, located at the example's source line. */
export interface DocExampleProblem {
  symbol: string;
  file: string;
  line: number;
  message: string;
}

interface PackageJson {
  exports: Record<string, string | { types?: string }>;
}

/** The import path of each `exports` key that has types (`.` -> `onnx-surgeon`) and its `.d.ts`. */
function typedSubpaths(packageJson: PackageJson): { subpath: string; types: string }[] {
  return Object.entries(packageJson.exports).flatMap(([key, target]) => {
    const types = typeof target === 'string' ? undefined : target.types;
    return types?.endsWith('.d.ts') ? [{ subpath: key === '.' ? 'onnx-surgeon' : `onnx-surgeon/${key.slice(2)}`, types }] : [];
  });
}

/** Entry point source file -> package subpath, from package.json `exports` (dist/src/x/index.d.ts -> src/x/index.ts). */
export function entryPoints(root: string, packageJson: PackageJson): Map<string, string> {
  const sourceOf = (types: string): string => resolve(root, types.replace(/^\.\/dist\//, '').replace(/\.d\.ts$/, '.ts'));
  return new Map(typedSubpaths(packageJson).map(({ subpath, types }) => [sourceOf(types), subpath]));
}

const FENCE = /^(`{3,}|~{3,})\s*([\w-]*)\s*$/;

/** The ```ts blocks under `@example` tags of one JSDoc comment (`text` starts at `/**`). */
export function examplesInComment(text: string, firstLine: number): { line: number; code: string }[] {
  const lines = text.split('\n').map((l) => l.replace(/^\s*\/\*\*\s?/, '').replace(/\*\/\s*$/, '').replace(/^\s*\* ?/, ''));
  const found: { line: number; code: string }[] = [];
  let inExample = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const tag = /^\s*@(\w+)/.exec(line);
    if (tag) inExample = tag[1] === 'example';
    const fence = FENCE.exec(line.trim());
    if (!fence) continue;
    const [, marker, language] = fence;
    const start = i + 1;
    for (i++; i < lines.length && !lines[i]!.trim().startsWith(marker!); i++);
    if (inExample && language === 'ts') found.push({ line: firstLine + start, code: lines.slice(start, i).join('\n') });
  }
  return found;
}

/** Collects every `@example` ```ts block of the public API of the package at `root`. */
export function collectExamples(root: string, packageJson: PackageJson): DocExample[] {
  const entries = entryPoints(root, packageJson);
  const program = ts.createProgram([...entries.keys()], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, noEmit: true });
  const checker = program.getTypeChecker();
  const examples: DocExample[] = [];
  // A declaration exported by several subpaths is collected once; all of them may imply imports.
  const seen = new Map<ts.Node, string[]>();
  const add = (symbol: string, subpaths: string[], source: ts.SourceFile, comment: { pos: number; end: number }): void => {
    const text = source.text.slice(comment.pos, comment.end);
    const firstLine = source.getLineAndCharacterOfPosition(comment.pos).line + 1;
    const file = relative(root, source.fileName);
    for (const e of examplesInComment(text, firstLine)) examples.push({ symbol, subpaths, file, line: e.line, code: e.code });
  };
  const addDocs = (symbol: string, subpath: string, declaration: ts.Node): void => {
    const known = seen.get(declaration);
    if (known) {
      if (!known.includes(subpath)) known.push(subpath);
      return;
    }
    const subpaths = [subpath];
    seen.set(declaration, subpaths);
    for (const doc of ts.getJSDocCommentsAndTags(declaration)) if (ts.isJSDoc(doc)) add(symbol, subpaths, declaration.getSourceFile(), doc);
  };
  for (const [file, subpath] of entries) {
    const source = program.getSourceFile(file);
    if (!source) throw new Error(`entry point ${file} is not in the program`);
    const moduleComment = (ts.getLeadingCommentRanges(source.text, 0) ?? []).find((c) => /@module|@packageDocumentation/.test(source.text.slice(c.pos, c.end)));
    if (moduleComment) add(`module ${subpath}`, [subpath], source, moduleComment);
    const moduleSymbol = checker.getSymbolAtLocation(source);
    if (!moduleSymbol) continue;
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      for (const declaration of symbol.declarations ?? []) {
        addDocs(exported.name, subpath, declaration);
        if (!ts.isClassDeclaration(declaration) && !ts.isInterfaceDeclaration(declaration)) continue;
        for (const member of declaration.members) {
          const name = member.name && (ts.isIdentifier(member.name) || ts.isStringLiteral(member.name)) ? member.name.text : ts.isConstructorDeclaration(member) ? 'constructor' : undefined;
          const modifiers = ts.canHaveModifiers(member) ? ts.getModifiers(member) ?? [] : [];
          if (!name || modifiers.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword)) continue;
          addDocs(`${exported.name}.${name}`, subpath, member);
        }
      }
    }
  }
  return examples;
}

/** An example as a module, and where its code lines went. */
export interface ExampleModule {
  source: string;
  /** Module line (1-based) of the example's first line, in the import section. */
  importsLine: number;
  /** Module line (1-based) of the example's first line, in the block. */
  bodyLine: number;
}

/**
 * The module an example becomes: its imports, the names it uses from its subpath and the root,
 * {@link EXAMPLE_GLOBALS}, then its body in a block, each code line on its own line so compiler
 * positions map back to the source.
 */
export function exampleModule(example: DocExample, exportsOf: (subpath: string) => ReadonlySet<string>): ExampleModule {
  const parsed = ts.createSourceFile('example.mts', example.code, ts.ScriptTarget.ES2022, true);
  const imported = new Set<string>();
  const used = new Set<string>(GLOBAL_TYPES);
  const visit = (n: ts.Node): void => {
    if (ts.isIdentifier(n)) used.add(n.text);
    n.forEachChild(visit);
  };
  visit(parsed);
  const codeLines = example.code.split('\n');
  const importLines = new Set<number>();
  for (const statement of parsed.statements) {
    if (!ts.isImportDeclaration(statement)) continue;
    const clause = statement.importClause;
    if (clause?.name) imported.add(clause.name.text);
    const bindings = clause?.namedBindings;
    if (bindings && ts.isNamedImports(bindings)) for (const e of bindings.elements) imported.add(e.name.text);
    if (bindings && ts.isNamespaceImport(bindings)) imported.add(bindings.name.text);
    const first = parsed.getLineAndCharacterOfPosition(statement.getStart(parsed)).line;
    const last = parsed.getLineAndCharacterOfPosition(statement.end).line;
    for (let l = first; l <= last; l++) importLines.add(l);
  }
  const implied: string[] = [];
  const taken = new Set(imported);
  for (const subpath of ['onnx-surgeon', ...example.subpaths.filter((s) => s !== 'onnx-surgeon')]) {
    const names = [...used].filter((n) => !taken.has(n) && exportsOf(subpath).has(n)).sort();
    names.forEach((n) => taken.add(n));
    if (names.length) implied.push(`import { ${names.join(', ')} } from '${subpath}';`);
  }
  const header = [...implied, ...EXAMPLE_GLOBALS.trim().split('\n')];
  // Imports first, on their own lines, then the rest inside a block: line i of the code is line
  // importsLine + i (imports) or bodyLine + i (the rest) of the module, both 1-based.
  const lines = [...header, ...codeLines.map((l, i) => (importLines.has(i) ? l : '')), '{', ...codeLines.map((l, i) => (importLines.has(i) ? '' : l)), '}', 'export {};'];
  return { source: `${lines.join('\n')}\n`, importsLine: header.length + 1, bodyLine: header.length + codeLines.length + 2 };
}

/** Names each subpath exports, read from the built declarations (what a consumer can import). */
function subpathExports(root: string, packageJson: PackageJson): Map<string, Set<string>> {
  const dts = new Map(typedSubpaths(packageJson).map(({ subpath, types }) => [subpath, resolve(root, types)]));
  const program = ts.createProgram([...dts.values()], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, noEmit: true });
  const checker = program.getTypeChecker();
  const names = new Map<string, Set<string>>();
  for (const [subpath, file] of dts) {
    const source = program.getSourceFile(file);
    const symbol = source && checker.getSymbolAtLocation(source);
    names.set(subpath, new Set(symbol ? checker.getExportsOfModule(symbol).map((s) => s.name) : []));
  }
  return names;
}

/**
 * Type-checks `examples` (default: all of the package at `root`, which must be built) in one
 * compiler program. Returns every problem and the examples checked.
 */
export function checkExamples(root: string, packageJson: PackageJson, examples: readonly DocExample[] = collectExamples(root, packageJson)): { examples: readonly DocExample[]; problems: DocExampleProblem[] } {
  const work = mkdtempSync(join(tmpdir(), 'onnx-surgeon-examples-'));
  try {
    mkdirSync(join(work, 'node_modules'));
    symlinkSync(root, join(work, 'node_modules', 'onnx-surgeon'), 'dir');
    const exported = subpathExports(root, packageJson);
    const exportsOf = (subpath: string): ReadonlySet<string> => exported.get(subpath) ?? new Set();
    const byFile = new Map<string, { example: DocExample; module: ExampleModule }>();
    examples.forEach((example, i) => {
      const module = exampleModule(example, exportsOf);
      const file = resolve(work, `example-${i}.mts`);
      writeFileSync(file, module.source);
      byFile.set(file, { example, module });
    });
    const problems: DocExampleProblem[] = [];
    for (const problem of compileStrictConsumer([...byFile.keys()], { typeRoots: [join(root, 'node_modules', '@types')] })) {
      const owner = byFile.get(resolve(problem.file));
      if (!owner) {
        problems.push({ symbol: '(package types)', file: relative(root, problem.file), line: problem.line, message: problem.message });
        continue;
      }
      const { example, module } = owner;
      // Lines of the implied imports and globals are reported at the example's first line.
      const offset = Math.max(0, problem.line >= module.bodyLine ? problem.line - module.bodyLine : problem.line - module.importsLine);
      problems.push({ symbol: example.symbol, file: example.file, line: example.line + offset, message: problem.message });
    }
    return { examples, problems };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** `file:line symbol (@example): message`, the line a failure prints. */
export function formatExampleProblem(p: DocExampleProblem): string {
  return `${p.file}:${p.line} ${p.symbol} (@example): ${p.message}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const packageJson = JSON.parse(ts.sys.readFile(join(root, 'package.json')) ?? '{}') as PackageJson;
  const { examples, problems } = checkExamples(root, packageJson);
  for (const p of problems) console.log(formatExampleProblem(p));
  console.log(`${examples.length} @example blocks, ${problems.length} problem(s)`);
  process.exitCode = problems.length ? 1 : 0;
}
