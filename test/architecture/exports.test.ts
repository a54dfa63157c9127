/**
 * The public surface: the package root is the everyday API (a fixed list: additions are
 * deliberate), everything else is a documented subpath, and every subpath type-checks from a
 * strict consumer app (NodeNext resolution through `exports`, node10 through `typesVersions`).
 * Needs `dist/` (npm test builds first).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT_API = [
  'DType', 'Graph', 'GraphEdit', 'MSDA_PLUGIN', 'Model', 'Node', 'OnnxSurgeonError', 'Tensor', 'Value',
  'applyRules', 'assertValidPlugins', 'attr', 'checkModel', 'dtypeName', 'expandCustomOps', 'explain', 'findMsdaSites', 'foldConstants',
  'formatError', 'fuseMsda', 'inferShapes', 'loadModel', 'loadModelFromBytes', 'modelToBytes', 'pattern', 'requireAllFused',
  'rule', 'saveModel', 'validatePluginNodes', 'verifyRewrite',
];

interface PackageJson {
  exports: Record<string, string | { types: string; default: string }>;
  typesVersions: Record<string, Record<string, string[]>>;
}
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as PackageJson;
const subpaths = Object.entries(pkg.exports).filter((e): e is [string, { types: string; default: string }] => typeof e[1] !== 'string');
const scratch = mkdtempSync(join(tmpdir(), 'onnx-surgeon-exports-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('package exports', () => {
  it(`the root exports exactly the everyday API (${ROOT_API.length} names, at most 40)`, async () => {
    const root = await import(resolve(pkg.exports['.'] && typeof pkg.exports['.'] !== 'string' ? pkg.exports['.'].default : ''));
    expect(Object.keys(root).sort()).toEqual([...ROOT_API].sort());
    expect(ROOT_API.length).toBeLessThanOrEqual(40);
  });

  it('every subpath resolves, imports, has types and a module comment, and is a typedoc entry point', async () => {
    const typedoc = JSON.parse(readFileSync('typedoc.json', 'utf8')) as { entryPoints: string[] };
    expect(subpaths.map(([k]) => k)).toEqual(['.', './ir', './serde', './files', './shape', './layout', './pattern', './plugins', './fuse-msda', './check', './fp16', './sanitize', './extract', './verify', './trt', './draw', './web']);
    for (const [name, target] of subpaths) {
      expect(existsSync(target.types), `${name} types`).toBe(true);
      const mod = await import(resolve(target.default));
      expect(Object.keys(mod).length, `${name} exports something`).toBeGreaterThan(0);
      const source = target.default.replace(/^\.\/dist\//, '').replace(/\.js$/, '.ts');
      expect(typedoc.entryPoints, `${name} in typedoc.json`).toContain(source);
      expect(readFileSync(source, 'utf8'), `${source} documents itself`).toMatch(/@(module|packageDocumentation)/);
      if (name !== '.') expect(pkg.typesVersions['*']![name.slice(2)], `${name} in typesVersions`).toEqual([target.types.slice(2)]);
    }
  });

  it('every subpath type-checks from a strict consumer app (NodeNext and node10 resolution)', () => {
    const app = join(scratch, 'app');
    mkdirSync(join(app, 'node_modules'), { recursive: true });
    symlinkSync(resolve('.'), join(app, 'node_modules', 'onnx-surgeon'), 'dir');
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    const names = subpaths.map(([k]) => (k === '.' ? 'onnx-surgeon' : `onnx-surgeon/${k.slice(2)}`));
    const lines = names.map((n, i) => `import * as m${i} from '${n}';`);
    lines.push(
      "import { GraphEdit, loadModel, fuseMsda } from 'onnx-surgeon';",
      "import { liveNodes } from 'onnx-surgeon/ir';",
      "import { explainAll } from 'onnx-surgeon/pattern';",
      'export async function main(file: string): Promise<number> {',
      '  const model = await loadModel(file);',
      '  const edit = new GraphEdit(model.graph);',
      '  const live: Set<unknown> = liveNodes(model.graph, [edit]);',
      '  const rules: unknown = explainAll;',
      `  void [${names.map((_, i) => `m${i}`).join(', ')}, rules, live];`,
      '  return fuseMsda(model, { dryRun: true }).fused;',
      '}',
    );
    writeFileSync(join(app, 'main.ts'), `${lines.join('\n')}\n`);
    const tsc = resolve('node_modules/typescript/bin/tsc');
    const strict = ['--strict', '--noEmit', '--exactOptionalPropertyTypes', '--noUncheckedIndexedAccess', '--target', 'ES2022', '--types', 'node', '--typeRoots', resolve('node_modules/@types')];
    // NodeNext also checks our declaration files under the strict flags; node10 only resolution.
    const runs = [['--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--skipLibCheck', 'false'], ['--module', 'ES2022', '--moduleResolution', 'node10', '--skipLibCheck', 'true']];
    for (const resolution of runs) {
      const run = spawnSync(process.execPath, [tsc, ...strict, ...resolution, 'main.ts'], { cwd: app, encoding: 'utf8', timeout: 120_000 });
      expect(`${run.stdout}${run.stderr}`, resolution.join(' ')).toBe('');
      expect(run.status).toBe(0);
    }
  }, 180_000);
});
