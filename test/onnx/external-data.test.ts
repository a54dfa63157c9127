import { errorOf } from '../helpers/expect-error.js';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { OnnxSurgeonError } from '../../src/errors.js';
import {
  ExternalDataWriter,
  externalDataEntries,
  parseExternalData,
  readExternalData,
  readModelBytes,
  resolveExternalLocation,
  writeFileAtomic,
  type TensorProto,
} from '../../src/onnx/index.js';

let root: string;
let modelDir: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'onnx-external-'));
  modelDir = join(root, 'model');
  mkdirSync(modelDir);
  writeFileSync(join(modelDir, 'weights.bin'), Uint8Array.from({ length: 64 }, (_, i) => i));
  writeFileSync(join(root, 'secret.bin'), 'outside the model folder');
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('parseExternalData', () => {
  test('reads location, offset, length and checksum', () => {
    const tensor: TensorProto = {
      name: 'w',
      dataLocation: 1,
      externalData: [
        { key: 'location', value: 'weights.bin' },
        { key: 'offset', value: '4096' },
        { key: 'length', value: '16' },
        { key: 'checksum', value: 'abc' },
        { key: 'future_key', value: 'ignored' },
      ],
    };
    const ref = parseExternalData(tensor);
    expect(ref).toEqual({ location: 'weights.bin', offset: 4096, length: 16, checksum: 'abc' });
    expect(externalDataEntries(ref).map((e) => e.key)).toEqual(['location', 'offset', 'length', 'checksum']);
  });

  test('missing location and malformed numbers are external-data errors', () => {
    expect(errorOf(() => parseExternalData({ name: 'w', externalData: [{ key: 'offset', value: '0' }] })).code).toBe('external-data');
    const e = errorOf(() => parseExternalData({ name: 'w', externalData: [{ key: 'location', value: 'a' }, { key: 'offset', value: '-1' }] }));
    expect(e.code).toBe('external-data');
    expect(e.context.tensor).toBe('w');
    expect(e.message).toMatch(/offset is not a non-negative integer/);
  });
});

describe('resolveExternalLocation refuses unsafe locations', () => {
  test('accepts a plain relative file', () => {
    expect(resolveExternalLocation(modelDir, 'weights.bin')).toMatch(/weights\.bin$/);
    expect(resolveExternalLocation(modelDir, './sub/../weights.bin')).toMatch(/weights\.bin$/);
  });

  test('absolute path', () => {
    const e = errorOf(() => resolveExternalLocation(modelDir, join(root, 'secret.bin')));
    expect(e.code).toBe('external-data');
    expect(e.message).toMatch(/must be relative/);
  });

  test('.. escape', () => {
    const e = errorOf(() => resolveExternalLocation(modelDir, '../secret.bin'));
    expect(e.code).toBe('external-data');
    expect(e.message).toMatch(/escapes the model folder/);
    expect(errorOf(() => resolveExternalLocation(modelDir, 'a/../../secret.bin')).code).toBe('external-data');
  });

  test('symlink leading out of the model folder', () => {
    symlinkSync(join(root, 'secret.bin'), join(modelDir, 'link.bin'));
    const e = errorOf(() => resolveExternalLocation(modelDir, 'link.bin'));
    expect(e.code).toBe('external-data');
    expect(e.message).toMatch(/resolves outside the model folder/);
  });

  test('device file reached through a symlink', () => {
    // /dev/zero would be an endless read; it is refused (outside the folder and not a regular file).
    symlinkSync('/dev/zero', join(modelDir, 'zero.bin'));
    const e = errorOf(() => readExternalData(modelDir, { location: 'zero.bin', offset: 0, length: 16 }));
    expect(e.code).toBe('external-data');
  });

  test('a FIFO inside the model folder is refused without opening it', () => {
    execFileSync('mkfifo', [join(modelDir, 'pipe.bin')]);
    const e = errorOf(() => readExternalData(modelDir, { location: 'pipe.bin', offset: 0, length: 4 }));
    expect(e.code).toBe('external-data');
    expect(e.message).toMatch(/not a regular file \(expected a regular file, found a FIFO\)/);
  });

  test('a folder is not a regular file', () => {
    mkdirSync(join(modelDir, 'folder'));
    const e = errorOf(() => resolveExternalLocation(modelDir, 'folder'));
    expect(e.message).toMatch(/not a regular file \(expected a regular file, found a directory\)/);
  });

  test('missing file', () => {
    const e = errorOf(() => readExternalData(modelDir, { location: 'nope.bin', offset: 0 }));
    expect(e.code).toBe('external-data');
    expect(e.message).toBe(`external-data error: external data file 'nope.bin' not found in ${realpathSync(modelDir)}/`);
  });
});

describe('readExternalData', () => {
  test('reads exactly the requested range', () => {
    expect([...readExternalData(modelDir, { location: 'weights.bin', offset: 10, length: 4 })]).toEqual([10, 11, 12, 13]);
    expect(readExternalData(modelDir, { location: 'weights.bin', offset: 60 }).byteLength).toBe(4);
  });

  test('short file', () => {
    const e = errorOf(() => readExternalData(modelDir, { location: 'weights.bin', offset: 60, length: 8 }));
    expect(e.code).toBe('external-data');
    expect(e.message).toMatch(/shorter than offset \+ length \(expected at least 68 bytes, found 64 bytes\)/);
    expect(errorOf(() => readExternalData(modelDir, { location: 'weights.bin', offset: 65 })).message).toMatch(/past the end/);
  });

  test('length that does not match dims x dtype size', () => {
    const e = errorOf(() => readExternalData(modelDir, { location: 'weights.bin', offset: 0, length: 12 }, 16));
    expect(e.message).toMatch(/does not match the tensor shape and type \(expected 16 bytes, found 12 bytes\)/);
  });
});

describe('ExternalDataWriter', () => {
  test('aligns every tensor and round-trips through readExternalData', () => {
    const writer = new ExternalDataWriter(modelDir, 'model.onnx.data', { alignment: 4096 });
    const a = Uint8Array.from({ length: 10 }, (_, i) => i + 1);
    const b = Uint8Array.from({ length: 5000 }, (_, i) => i % 251);
    const refA = writer.append(a);
    const refB = writer.append([b.subarray(0, 100), b.subarray(100)]);
    const refC = writer.append(new Uint8Array(0));
    expect(refA).toEqual({ location: 'model.onnx.data', offset: 0, length: 10 });
    expect(refB).toEqual({ location: 'model.onnx.data', offset: 4096, length: 5000 });
    expect(refC.offset).toBe(12288);
    // Nothing appears under the target name until finish().
    expect(existsSync(join(modelDir, 'model.onnx.data'))).toBe(false);
    writer.finish();
    expect(readFileSync(join(modelDir, 'model.onnx.data')).byteLength).toBe(4096 + 5000);
    expect([...readExternalData(modelDir, refA)]).toEqual([...a]);
    expect(Buffer.compare(readExternalData(modelDir, refB, 5000), b)).toBe(0);
    expect(readdirSync(modelDir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  test('alignment 1 packs tensors back to back; abort leaves nothing', () => {
    const writer = new ExternalDataWriter(modelDir, 'packed.data', { alignment: 1 });
    expect(writer.append(new Uint8Array(3)).offset).toBe(0);
    expect(writer.append(new Uint8Array(3)).offset).toBe(3);
    writer.abort();
    expect(readdirSync(modelDir).sort()).toEqual(['weights.bin']);
  });

  test('refuses an escaping location', () => {
    expect(errorOf(() => new ExternalDataWriter(modelDir, '../x.data')).code).toBe('external-data');
  });
});

describe('model files', () => {
  test('writeFileAtomic writes all chunks and leaves no temp file', () => {
    const target = join(modelDir, 'out.onnx');
    writeFileAtomic(target, [new Uint8Array([1, 2]), new Uint8Array(0), new Uint8Array([3])]);
    expect([...readFileSync(target)]).toEqual([1, 2, 3]);
    writeFileAtomic(target, [new Uint8Array([9])]);
    expect([...readModelBytes(target)]).toEqual([9]);
    expect(readdirSync(modelDir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  test('a failure mid-write keeps the old target and removes the temp file', () => {
    const target = join(modelDir, 'out.onnx');
    writeFileSync(target, 'old');
    function* failing(): Generator<Uint8Array> {
      yield new Uint8Array([1]);
      throw new Error('disk on fire');
    }
    const e = errorOf(() => writeFileAtomic(target, failing()));
    expect(e.code).toBe('io');
    expect(e.message).toMatch(/disk on fire/);
    expect(readFileSync(target, 'utf8')).toBe('old');
    expect(readdirSync(modelDir).sort()).toEqual(['out.onnx', 'weights.bin']);
    expect(errorOf(() => writeFileAtomic(join(root, 'no-such-dir', 'x.onnx'), [])).code).toBe('io');
  });

  test('readModelBytes: missing file and folder', () => {
    expect(errorOf(() => readModelBytes(join(root, 'missing.onnx'))).message).toMatch(/no such file or directory/);
    expect(errorOf(() => readModelBytes(modelDir)).message).toMatch(/not a regular file/);
  });
});
