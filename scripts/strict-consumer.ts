/**
 * The compiler settings of a strict consumer project, in one place: the documentation snippets
 * (scripts/doc-snippets.ts) and the packaging test's consumer program are compiled with them, so
 * the published types are held to what such a project demands.
 */
import ts from 'typescript';

/** `strict`, `noUncheckedIndexedAccess`, `exactOptionalPropertyTypes`, `module: nodenext`, no `skipLibCheck`. */
export const STRICT_CONSUMER_OPTIONS: Readonly<ts.CompilerOptions> = {
  strict: true,
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2022.d.ts'],
  types: ['node'],
  skipLibCheck: false,
};

/** One compiler message with its place: `file:line: TSnnnn: text` (1-based line). */
export interface CompileProblem {
  file: string;
  line: number;
  message: string;
}

/**
 * Compiles `files` with {@link STRICT_CONSUMER_OPTIONS}; `@types` come from `typeRoots` (a
 * consumer would have `@types/node` installed). Emits JavaScript next to the sources only when
 * `emit` is set. Returns every diagnostic.
 */
export function compileStrictConsumer(files: readonly string[], options: { typeRoots: string[]; emit?: boolean }): CompileProblem[] {
  const program = ts.createProgram([...files], { ...STRICT_CONSUMER_OPTIONS, typeRoots: options.typeRoots, noEmit: !options.emit });
  const diagnostics = [...ts.getPreEmitDiagnostics(program)];
  if (options.emit && diagnostics.length === 0) diagnostics.push(...program.emit().diagnostics);
  return diagnostics.map((diagnostic) => {
    const message = `TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
    if (!diagnostic.file || diagnostic.start === undefined) return { file: '(compiler)', line: 0, message };
    return { file: diagnostic.file.fileName, line: diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line + 1, message };
  });
}
