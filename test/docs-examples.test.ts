/**
 * The TSDoc `@example` blocks of the public API compile as a strict consumer project would
 * compile them, against the built package (scripts/doc-examples.ts states the convention), and
 * every symbol of the everyday API has one. Synthetic examples in the same compiler run show that
 * a broken example fails and is named by its symbol and source line.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DocExample, type DocExampleProblem, checkExamples, collectExamples, examplesInComment, exampleModule, formatExampleProblem } from '../scripts/doc-examples.js';

const root = resolve('.');
const packageJson = JSON.parse(readFileSync('package.json', 'utf8')) as Parameters<typeof collectExamples>[1];
const built = existsSync('dist/src/index.d.ts');

/**
 * The everyday API: what a newcomer reaches for first. Each needs an `@example` on its page
 * (a class's own comment for the class, the member's comment for `Class.member`).
 */
const EVERYDAY_API = [
  // every subpath's module page
  ...Object.keys(packageJson.exports).filter((k) => k !== './package.json').map((k) => `module ${k === '.' ? 'onnx-surgeon' : `onnx-surgeon/${k.slice(2)}`}`),
  // load / save
  'loadModel', 'loadModelFromBytes', 'saveModel', 'modelToBytes',
  // IR classes and their main methods
  'Model', 'Model.clone', 'Graph', 'Graph.addNode', 'Graph.value', 'Graph.requireValue', 'Graph.replaceAllUsesWith', 'Graph.removeNode', 'Graph.cleanup',
  'Graph.toposort', 'Graph.addInput', 'Graph.setOutputs', 'Graph.addInitializer', 'Node', 'Node.input', 'Node.output', 'Node.setInput', 'Node.attr', 'Node.setAttr',
  'Value', 'Value.constant', 'Value.consumers', 'Tensor', 'Tensor.fromArray', 'Tensor.float32', 'Tensor.toNumbers',
  'GraphEdit', 'GraphEdit.node', 'GraphEdit.replaceAllUsesWith', 'GraphEdit.commit', 'DType', 'dtypeName', 'attr',
  // passes
  'fuseMsda', 'findMsdaSites', 'requireAllFused', 'foldConstants', 'convertToFloat16',
  // shape
  'inferShapes',
  // patterns
  'pattern', 'rule', 'applyRules', 'explain',
  // check, verify
  'checkModel', 'verifyRewrite',
  // plugin contracts
  'MSDA_PLUGIN', 'validatePluginNodes', 'assertValidPlugins', 'validateMsdaNode', 'expandCustomOps', 'checkContract',
  // TensorRT
  'buildEngine', 'planBuild', 'checkModelForTensorRt',
  // pictures
  'renderSiteSvg',
  // errors
  'OnnxSurgeonError', 'formatError', 'ToolchainMissingError',
];

describe('@example extraction', () => {
  it('takes only ```ts blocks under @example, with their source lines', () => {
    const comment = ['/**', ' * Text.', ' * ```ts', ' * notAnExample();', ' * ```', ' * @example', ' * ```ts', ' * a();', ' *   b();', ' * ```', ' * ```text', ' * out', ' * ```', ' * @returns x', ' */'].join('\n');
    expect(examplesInComment(comment, 10)).toEqual([{ line: 17, code: 'a();\n  b();' }]);
  });

  it('hoists imports, implies the names of the root and the subpath, keeps code lines apart', () => {
    const example: DocExample = { symbol: 's', subpaths: ['onnx-surgeon', 'onnx-surgeon/ir'], file: 'f.ts', line: 1, code: "import { foo } from 'elsewhere';\nconst a = liveNodes(graph, []);\nfoo(loadModel);" };
    const exportsOf = (subpath: string): Set<string> => new Set(subpath === 'onnx-surgeon' ? ['loadModel', 'Model', 'Graph', 'Node', 'Value', 'Tensor', 'foo'] : ['liveNodes', 'loadModel']);
    const module = exampleModule(example, exportsOf);
    const lines = module.source.split('\n');
    expect(lines[0]).toBe("import { Graph, Model, Node, Tensor, Value, loadModel } from 'onnx-surgeon';");
    expect(lines[1]).toBe("import { liveNodes } from 'onnx-surgeon/ir';");
    expect(lines[module.importsLine - 1]).toBe("import { foo } from 'elsewhere';");
    expect(lines.slice(module.bodyLine - 1, module.bodyLine + 2)).toEqual(['', 'const a = liveNodes(graph, []);', 'foo(loadModel);']);
    expect(lines[module.bodyLine - 2]).toBe('{');
  });
});

describe('the everyday API', () => {
  it('every symbol of the everyday API has an @example', () => {
    const documented = new Set(collectExamples(root, packageJson).map((e) => e.symbol));
    expect(EVERYDAY_API.filter((symbol) => !documented.has(symbol))).toEqual([]);
  });

  it('includes every runtime export of the package root', async () => {
    const packageRoot = await import('../src/index.js');
    expect(Object.keys(packageRoot).filter((name) => !EVERYDAY_API.includes(name))).toEqual([]);
  });
});

describe.runIf(built)('@example blocks of the public API', () => {
  let examples: readonly DocExample[] = [];
  let problems: DocExampleProblem[] = [];
  const PROBE_FILE = 'probe/broken.ts';
  beforeAll(() => {
    const real = collectExamples(root, packageJson);
    const probes: DocExample[] = [
      { symbol: 'probeBroken', subpaths: ['onnx-surgeon'], file: PROBE_FILE, line: 40, code: "const model = await loadModel('m.onnx');\nconst n: number = model.graph;" },
      { symbol: 'probeStrict', subpaths: ['onnx-surgeon/ir'], file: PROBE_FILE, line: 60, code: 'const first = graph.nodes[0];\nfirst.opType;' },
    ];
    ({ problems } = checkExamples(root, packageJson, [...real, ...probes]));
    examples = real;
  }, 120_000);

  it('every @example compiles under strict consumer settings', () => {
    expect(problems.filter((p) => p.file !== PROBE_FILE).map(formatExampleProblem)).toEqual([]);
    expect(examples.length).toBeGreaterThanOrEqual(200);
  });

  it('a broken example is named by its symbol and source line', () => {
    expect(problems.filter((p) => p.file === PROBE_FILE).map(formatExampleProblem)).toEqual([
      expect.stringMatching(/^probe\/broken\.ts:41 probeBroken \(@example\): TS2322: Type 'Graph' is not assignable to type 'number'/),
      expect.stringMatching(/^probe\/broken\.ts:61 probeStrict \(@example\): TS18048: 'first' is possibly 'undefined'/),
    ]);
  });
});

describe('the API site', () => {
  it('includes every guide in docs/, getting-started first', () => {
    const typedoc = JSON.parse(readFileSync('typedoc.json', 'utf8')) as { projectDocuments: string[]; sortEntryPoints: boolean };
    const guides = readdirSync('docs').filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);
    expect([...typedoc.projectDocuments].sort()).toEqual(guides.sort());
    expect(typedoc.projectDocuments[0]).toBe('docs/getting-started.md');
    expect(typedoc.sortEntryPoints).toBe(false); // keeps the reading order above
  });
});
