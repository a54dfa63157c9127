/**
 * onnxruntime-node is an optional peer dependency, imported on first use: a missing package is
 * one line with the install command (exit 3), and that command asks for the range package.json
 * declares.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXIT, exitCodeForError } from '../../src/cli/exit-codes.js';
import { ToolchainMissingError } from '../../src/trt/toolchain-error.js';
import { ONNXRUNTIME_INSTALL_COMMAND, importOnnxRuntime, loadOnnxRuntime } from '../../src/verify/onnxruntime.js';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  dependencies: Record<string, string>; devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>; peerDependenciesMeta: Record<string, { optional?: boolean }>;
};

describe('onnxruntime-node on demand', () => {
  it('is an optional peer (and a development dependency), never a dependency', () => {
    expect(pkg.dependencies['onnxruntime-node']).toBeUndefined();
    expect(pkg.peerDependenciesMeta['onnxruntime-node']?.optional).toBe(true);
    expect(pkg.devDependencies['onnxruntime-node']).toBe(pkg.peerDependencies['onnxruntime-node']);
  });

  it('the install command asks for the declared peer range', () => {
    expect(ONNXRUNTIME_INSTALL_COMMAND).toBe(`npm i onnxruntime-node@${pkg.peerDependencies['onnxruntime-node']}`);
  });

  it('a missing package is a ToolchainMissingError with the install command, exit code 3', async () => {
    const error = await importOnnxRuntime('onnxruntime-node-not-installed').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToolchainMissingError);
    expect((error as ToolchainMissingError).component).toBe('onnxruntime');
    expect((error as Error).message).toBe(`native error: running a model needs onnxruntime-node, an optional peer dependency that is not installed: ${ONNXRUNTIME_INSTALL_COMMAND}`);
    expect(exitCodeForError(error)).toBe(EXIT.toolchainMissing);
  });

  it('loads the installed package once', async () => {
    const first = await loadOnnxRuntime();
    expect(typeof first.InferenceSession.create).toBe('function');
    expect(await loadOnnxRuntime()).toBe(first);
  });
});
