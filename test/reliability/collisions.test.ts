/**
 * No path a user names can destroy a file: for every command that writes (fuse-msda, convert,
 * inspect --dot, build), an output that is the input model, the input's external data or another
 * output is refused with exit 2 and one line naming both roles, whether the path is spelled the
 * same, as `./x`, absolute, through a symlink or a hard link; the input stays byte-identical and
 * nothing at all is written. `--force` replaces the input model (and its data with it) and
 * nothing else.
 */

import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, copyFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuildCommand } from '../../src/cli/commands/build.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { runCli } from '../../src/cli/program.js';
import { OnnxSurgeonError } from '../../src/errors.js';
import { folderFoldsNames } from '../../src/files/identity.js';
import { WritePlan } from '../../src/files/write-plan.js';
import { loadModel, saveModel } from '../../src/serde/index.js';
import { captureIo } from '../cli/helpers.js';
import { ROOT, fileHash } from './helpers.js';

const EXAMPLE = join(ROOT, 'examples/models/msda-encoder.onnx');

/** How a colliding path is spelled: as the input was given, `./x`, absolute, a symlink, a hard link. */
type Spelling = 'same' | 'dot-slash' | 'absolute' | 'symlink' | 'hard link';
const SPELLINGS: Spelling[] = ['same', 'dot-slash', 'absolute', 'symlink', 'hard link'];

/** Every file in `dir` with its content hash (symlinks as their target). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[relative(dir, p)] = e.isSymbolicLink() ? `-> ${readFileSync(p).length}` : fileHash(p);
    }
  };
  walk(dir);
  return out;
}

let root = '';
let cwd = '';
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'onnx-collide-'));
  cwd = process.cwd();
  process.chdir(root); // relative spellings are relative to here
  copyFileSync(EXAMPLE, join(root, 'inline.onnx'));
  // The same model with its weights in an external data file.
  await saveModel(await loadModel(EXAMPLE), join(root, 'ext.onnx'), { externalData: { location: 'ext.weights' } });
});
afterAll(() => {
  if (cwd) process.chdir(cwd);
  if (root) rmSync(root, { recursive: true, force: true });
});

/** `target` (a file in `root`) spelled as `spelling`; links are made in a scratch folder inside `root`. */
function spell(target: string, spelling: Spelling, scratch: string): string {
  switch (spelling) {
    case 'same': return target;
    case 'dot-slash': return `./${target}`;
    case 'absolute': return join(root, target);
    case 'symlink': {
      const link = join(scratch, `link-${target}`);
      symlinkSync(join(root, target), link);
      return relative(root, link);
    }
    case 'hard link': {
      const link = join(scratch, `hard-${target}`);
      linkSync(join(root, target), link);
      return relative(root, link);
    }
  }
}

/** Runs `argv`, expects exit 2 with one line matching `message`, and no change anywhere under root. */
async function expectRefused(argv: string[], message: RegExp, run: (argv: string[]) => Promise<{ code: number; err: string }>): Promise<void> {
  const before = snapshot(root);
  const { code, err } = await run(argv);
  expect({ argv, code }).toEqual({ argv, code: EXIT.usage });
  expect(err.trim().split('\n')).toHaveLength(1);
  expect(err).toMatch(message);
  expect(snapshot(root)).toEqual(before);
}

const cli = async (argv: string[]): Promise<{ code: number; err: string }> => {
  const io = captureIo();
  const code = await runCli(argv, io);
  return { code, err: io.err() };
};

/** `build` parses its own options (commander would exit the test process on a usage error). */
const build = async (argv: string[]): Promise<{ code: number; err: string }> => {
  const [, input, ...rest] = argv;
  const options: { output: string; tf32: boolean; timingCache?: string } = { output: '', tf32: true };
  for (let i = 0; i < rest.length; i += 2) {
    if (rest[i] === '-o') options.output = rest[i + 1]!;
    if (rest[i] === '--timing-cache') options.timingCache = rest[i + 1]!;
  }
  const io = captureIo();
  const code = await runBuildCommand(input!, options, io);
  return { code, err: io.err() };
};

/**
 * Each case: the command line with `X` where the colliding path goes, the file X names, and what
 * the error must say (both roles).
 */
interface Case {
  name: string;
  argv: string[];
  target: string;
  message: RegExp;
  run?: typeof cli;
}

const CASES: Case[] = [
  // fuse-msda
  { name: 'fuse-msda --report is the input model', argv: ['fuse-msda', 'inline.onnx', '-o', 'out.onnx', '--report', 'X'], target: 'inline.onnx', message: /--report is the input model/ },
  { name: 'fuse-msda --dry-run --report is the input model', argv: ['fuse-msda', 'inline.onnx', '--dry-run', '--report', 'X'], target: 'inline.onnx', message: /--report is the input model/ },
  { name: 'fuse-msda --report is the input\'s external data', argv: ['fuse-msda', 'ext.onnx', '-o', 'out.onnx', '--report', 'X'], target: 'ext.weights', message: /--report is the input model's external data/ },
  { name: 'fuse-msda -o is the input model (no --force)', argv: ['fuse-msda', 'inline.onnx', '-o', 'X'], target: 'inline.onnx', message: /-o is the input model.*pass --force/ },
  { name: 'fuse-msda -o is the input\'s external data, even with --force', argv: ['fuse-msda', 'ext.onnx', '-o', 'X', '--force'], target: 'ext.weights', message: /-o is the input model's external data.*left reading rewritten data/ },
  { name: 'fuse-msda --external-data is the input model', argv: ['fuse-msda', 'inline.onnx', '-o', 'out.onnx', '--external-data', 'X'], target: 'inline.onnx', message: /--external-data is the input model/ },
  { name: 'fuse-msda --external-data is the input\'s data, even with --force', argv: ['fuse-msda', 'ext.onnx', '-o', 'out.onnx', '--external-data', 'X', '--force'], target: 'ext.weights', message: /--external-data is the input model's external data/ },
  // convert
  { name: 'convert -o is the input model (no --force)', argv: ['convert', 'ext.onnx', '-o', 'X'], target: 'ext.onnx', message: /-o is the input model.*pass --force/ },
  { name: 'convert -o is the input\'s external data', argv: ['convert', 'ext.onnx', '-o', 'X', '--inline'], target: 'ext.weights', message: /-o is the input model's external data/ },
  { name: 'convert --external-data is the input model', argv: ['convert', 'inline.onnx', '-o', 'out.onnx', '--external-data', 'X'], target: 'inline.onnx', message: /--external-data is the input model/ },
  { name: 'convert --external-data is the input\'s data, even with --force', argv: ['convert', 'ext.onnx', '-o', 'out.onnx', '--external-data', 'X', '--force'], target: 'ext.weights', message: /--external-data is the input model's external data/ },
  // inspect --dot
  { name: 'inspect --dot -o is the input model', argv: ['inspect', 'inline.onnx', '--dot', '-o', 'X'], target: 'inline.onnx', message: /-o is the input model/ },
  { name: 'inspect --dot -o is the input\'s external data', argv: ['inspect', 'ext.onnx', '--dot', '-o', 'X'], target: 'ext.weights', message: /-o is the input model's external data/ },
  // build (refused before TensorRT is looked for)
  { name: 'build -o is the input model', argv: ['build', 'inline.onnx', '-o', 'X'], target: 'inline.onnx', message: /-o is the input model/, run: build },
  { name: 'build -o is the input\'s external data', argv: ['build', 'ext.onnx', '-o', 'X'], target: 'ext.weights', message: /the engine is the input model's external data/, run: build },
  { name: 'build --timing-cache is the input model', argv: ['build', 'inline.onnx', '-o', 'm.engine', '--timing-cache', 'X'], target: 'inline.onnx', message: /--timing-cache is the input model/, run: build },
];

describe('an output that is an input is refused, however it is spelled', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      for (const spelling of SPELLINGS) {
        const scratch = mkdtempSync(join(root, 'links-'));
        const path = spell(c.target, spelling, scratch);
        // A bare --external-data name is taken in the output's folder (root, here), so spell it bare.
        const argv = c.argv.map((a) => (a === 'X' ? path : a));
        await expectRefused(argv, c.message, c.run ?? cli);
        rmSync(scratch, { recursive: true });
      }
    });
  }
});

describe('two outputs that are the same file are refused', () => {
  const OUTPUT_CASES: { name: string; argv: (x: string) => string[]; message: RegExp; run?: typeof cli }[] = [
    { name: 'fuse-msda -o and --report', argv: (x) => ['fuse-msda', 'inline.onnx', '-o', 'out.onnx', '--report', x], message: /-o and --report are the same file/ },
    { name: 'fuse-msda -o and --external-data', argv: (x) => ['fuse-msda', 'inline.onnx', '-o', 'out.onnx', '--external-data', x], message: /-o and --external-data are the same file/ },
    { name: 'fuse-msda --report and the default external data file', argv: (x) => ['fuse-msda', 'ext.onnx', '-o', 'out.onnx', '--report', x.replace('out.onnx', 'out.onnx.data')], message: /--report and the external data file are the same file/ },
    { name: 'convert -o and --external-data', argv: (x) => ['convert', 'inline.onnx', '-o', 'out.onnx', '--external-data', x], message: /-o and --external-data are the same file/ },
    { name: 'build -o and --timing-cache', argv: (x) => ['build', 'inline.onnx', '-o', 'out.onnx', '--timing-cache', x], message: /-o and --timing-cache are the same file/, run: build },
  ];
  for (const c of OUTPUT_CASES) {
    it(`${c.name}, also with --force`, async () => {
      // The output does not exist yet: same path, ./x, absolute; then it exists (links).
      for (const spelling of ['same', 'dot-slash', 'absolute'] as const) {
        const x = spelling === 'same' ? 'out.onnx' : spelling === 'dot-slash' ? './out.onnx' : join(root, 'out.onnx');
        await expectRefused(c.argv(x), c.message, c.run ?? cli);
        if (!c.run) await expectRefused([...c.argv(x), '--force'], c.message, cli);
      }
    });
  }

  it('an existing output reached through a symlink or a hard link', async () => {
    copyFileSync(EXAMPLE, join(root, 'old.onnx'));
    symlinkSync('old.onnx', join(root, 'old-link.onnx'));
    linkSync(join(root, 'old.onnx'), join(root, 'old-hard.onnx'));
    await expectRefused(['fuse-msda', 'inline.onnx', '-o', 'old.onnx', '--report', 'old-link.onnx'], /-o and --report are the same file \(old\.onnx and old-link\.onnx, through a symlink\)/, cli);
    await expectRefused(['fuse-msda', 'inline.onnx', '-o', 'old.onnx', '--report', 'old-hard.onnx'], /-o and --report are the same file \(old\.onnx and old-hard\.onnx, a hard link to it\)/, cli);
    for (const f of ['old.onnx', 'old-link.onnx', 'old-hard.onnx']) rmSync(join(root, f));
  });
});

describe('outputs that are not files', () => {
  it('a folder, a device, a path under a file', async () => {
    mkdirSync(join(root, 'folder'));
    await expectRefused(['convert', 'inline.onnx', '-o', 'folder'], /-o is a folder/, cli);
    await expectRefused(['fuse-msda', 'inline.onnx', '--dry-run', '--report', '/dev/null'], /--report is a character device, not a regular file/, cli);
    await expectRefused(['convert', 'inline.onnx', '-o', 'inline.onnx/x.onnx'], /-o: inline\.onnx is not a folder/, cli);
    rmSync(join(root, 'folder'), { recursive: true });
  });
});

describe('--force', () => {
  it('replaces the input model (and its external data with it), atomically', async () => {
    const dir = mkdtempSync(join(root, 'force-'));
    const model = join(dir, 'm.onnx');
    await saveModel(await loadModel(EXAMPLE), model, { externalData: {} });
    const weights = (await loadModel(model)).graph.initializers.map((v) => Buffer.from(v.initializer!.bytes()).toString('hex'));
    const io = captureIo();
    expect(await runCli(['fuse-msda', model, '-o', model, '--force'], io)).toBe(EXIT.ok);
    const fused = await loadModel(model);
    expect(fused.graph.nodes.some((n) => n.opType === 'MultiscaleDeformableAttnPlugin_TRT')).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['m.onnx', 'm.onnx.data']);
    // Every weight that survived the fusion reads back as it was.
    const kept = fused.graph.initializers.map((v) => Buffer.from(v.initializer!.bytes()).toString('hex'));
    for (const w of kept.filter((k) => k.length > 64)) expect(weights).toContain(w);
    rmSync(dir, { recursive: true });
  });
});

describe('output folders (#17)', () => {
  it('convert -o newdir/sub/x.onnx creates the folders and says so; a failed run removes them again', async () => {
    const io = captureIo();
    expect(await runCli(['convert', 'inline.onnx', '-o', 'newdir/sub/x.onnx', '--external-data', 'w.bin'], io)).toBe(EXIT.ok);
    expect(io.err()).toBe(`created folder newdir/\ncreated folder newdir/sub/\n`);
    expect(readdirSync(join(root, 'newdir/sub')).sort()).toEqual(['w.bin', 'x.onnx']);
    rmSync(join(root, 'newdir'), { recursive: true });

    // --quiet: created all the same, without a word.
    const quiet = captureIo();
    expect(await runCli(['fuse-msda', 'inline.onnx', '-o', 'q/x.onnx', '--report', 'r/report.json', '--quiet'], quiet)).toBe(EXIT.ok);
    expect(quiet.err()).toBe('');
    expect(existsSync(join(root, 'q/x.onnx')) && existsSync(join(root, 'r/report.json'))).toBe(true);
    rmSync(join(root, 'q'), { recursive: true });
    rmSync(join(root, 'r'), { recursive: true });

    // Never for an input: a missing input is an error, and no folder appears.
    const before = snapshot(root);
    const missing = captureIo();
    expect(await runCli(['convert', 'nodir/in.onnx', '-o', 'made/out.onnx'], missing)).toBe(EXIT.usage);
    expect(existsSync(join(root, 'nodir')) || existsSync(join(root, 'made'))).toBe(false);
    expect(snapshot(root)).toEqual(before);
  });

  it('a command that fails after creating the folder removes it', async () => {
    // An undecodable input: load fails after the plan, before the first write.
    const bad = join(root, 'bad.onnx');
    copyFileSync(join(root, 'inline.onnx'), bad);
    execFileSync('truncate', ['-s', '100', bad]);
    const io = captureIo();
    expect(await runCli(['convert', 'bad.onnx', '-o', 'deep/er/out.onnx'], io)).toBe(EXIT.usage);
    expect(existsSync(join(root, 'deep'))).toBe(false);
    rmSync(bad);
  });
});

describe('the library applies the same rule', () => {
  it('saveModel refuses data == model, the source without replaceSource, and the source\'s data always', async () => {
    const model = await loadModel(join(root, 'ext.onnx'));
    const before = snapshot(root);
    const refused = async (file: string, options: Parameters<typeof saveModel>[2], message: RegExp): Promise<void> => {
      const error = await saveModel(model, file, options).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(OnnxSurgeonError);
      expect((error as OnnxSurgeonError).code).toBe('usage');
      expect((error as OnnxSurgeonError).message).toMatch(message);
    };
    await refused(join(root, 'x.onnx'), { externalData: { location: 'x.onnx' } }, /the model file and the external data file are the same file/);
    await refused(join(root, 'ext.onnx'), {}, /the model file is the file the model was loaded from; pass \{ replaceSource: true \}/);
    await refused(join(root, 'ext.weights'), { externalData: 'inline' }, /the model file is the external data of ext\.onnx/);
    await refused(join(root, 'y.onnx'), { externalData: { location: 'ext.weights' }, replaceSource: true }, /the external data file is the external data of ext\.onnx.*left reading rewritten data/);
    expect(snapshot(root)).toEqual(before);
    // Replacing the pair is allowed when asked for.
    await saveModel(model, join(root, 'ext.onnx'), { externalData: { location: 'ext.weights' }, replaceSource: true });
    expect((await loadModel(join(root, 'ext.onnx'))).graph.initializers).toHaveLength(model.graph.initializers.length);
  });

  it('a WritePlan of two outputs that differ only in case: the folder is asked, not the platform', () => {
    const dir = mkdtempSync(join(root, 'case-'));
    const folds = folderFoldsNames(dir, 'Out.onnx', 'out.onnx');
    const plan = new WritePlan().write({ role: '-o', path: join(dir, 'Out.onnx') }).write({ role: '--report', path: join(dir, 'out.onnx') });
    if (folds) expect(() => plan.check()).toThrow(/same file.*case-insensitive/);
    else expect(() => plan.check()).not.toThrow();
    expect(readdirSync(dir)).toEqual([]); // the probe file is gone
    rmSync(dir, { recursive: true });
  });
});
