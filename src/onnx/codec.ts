/**
 * Public entry points of the ONNX codec: bytes <-> plain protobuf message objects.
 *
 * @example
 * ```ts
 * import { decodeModel, encodeModel } from './codec.js';
 * import { readModelBytes, writeFileAtomic } from './files.js';
 * const model = decodeModel(readModelBytes('model.onnx'), { file: 'model.onnx' });
 * model.producerName = 'onnx-surgeon';
 * writeFileAtomic('out.onnx', encodeModel(model));
 * ```
 */

import { OnnxSurgeonError } from '../errors.js';
import { decodeMessageBytes, type RecordRanges, type SkippedField } from './decode.js';
import { measureMessage, SizeList, writeMessage } from './encode.js';
import type { ModelProto, NodeProto, TensorProto } from './proto-types.js';
import type { RawMessage } from './raw-message.js';
import { decodePlainNode, scanPlainNodeOutputs } from './node-decoder.js';
import { messageDescriptor, type MessageDescriptor } from './schema.js';
import { withHolesFilled } from './sparse-read.js';
import { WireError, WireReader, WireType } from './wire-reader.js';
import { type ChunkSink, ChunkedWriter } from './wire-writer.js';

/** Where the bytes came from, for error messages. */
export interface DecodeContext {
  /** Path of the file the bytes were read from. */
  file?: string;
}

/** `bytes` fields at least this large are passed through as views by {@link encodeModel}. */
export const PASS_THROUGH_BYTES = 64 * 1024;

/** A single protobuf message cannot exceed 2 GiB; larger models need external data. */
export const MAX_PROTOBUF_BYTES = 2 ** 31 - 1;

/**
 * Decodes one message of `typeName` (e.g. `onnx.GraphProto`; the `onnx.` prefix is optional).
 *
 * @throws OnnxSurgeonError `decode` naming the message path and byte offset of the problem.
 */
export function decodeMessage<T>(typeName: string, bytes: Uint8Array, context: DecodeContext = {}): T {
  return decodeWith(messageDescriptor(typeName), bytes, context) as T;
}

/**
 * Encodes one message of `typeName` into a single contiguous buffer.
 *
 * @throws OnnxSurgeonError `encode` when a field holds a value of the wrong type.
 */
export function encodeMessage(typeName: string, message: object): Uint8Array {
  const descriptor = messageDescriptor(typeName);
  const sizes = new SizeList();
  const total = measureMessage(descriptor, message as Record<string, unknown>, sizes);
  const writer = new ChunkedWriter({ totalBytes: total });
  writeMessage(descriptor, message as Record<string, unknown>, sizes, writer);
  const chunks = writer.finish();
  checkWritten(writer.written, total, descriptor);
  return chunks.length === 1 ? chunks[0]! : concatChunks(chunks, total);
}

/**
 * Decodes an ONNX model file's bytes. `rawData` and other `bytes` fields are views into `bytes`.
 *
 * Besides well-formed protobuf, requires `ir_version` (field 1) or `graph` (field 7) to be present,
 * so random bytes or a TensorProto file are not mistaken for a model.
 *
 * @throws OnnxSurgeonError `decode` for empty, truncated, malformed or non-model input.
 */
export function decodeModel(bytes: Uint8Array, context: DecodeContext = {}): ModelProto {
  return decodeModelWith(bytes, context, undefined);
}

let cachedLoaderRanges: RecordRanges | undefined;

/** What the loader's decode records: where these messages lie in the buffer (`$start`, `$end`). */
function loaderRanges(): RecordRanges {
  cachedLoaderRanges ??= new Set(['onnx.NodeProto', 'onnx.AttributeProto', 'onnx.TensorProto'].map((name) => messageDescriptor(name)));
  return cachedLoaderRanges;
}

/**
 * {@link decodeModel} for the loader: the main graph's nodes are left as {@link RawMessage}s (the
 * IR build decodes them one at a time with {@link decodeGraphNode}, so each decoded message dies
 * young instead of all of them living through the whole decode), and every NodeProto,
 * AttributeProto and TensorProto decoded says where its body lies in `bytes` (`$start`, `$end`).
 *
 * @internal
 */
export function decodeModelWithNodeRanges(bytes: Uint8Array, context: DecodeContext = {}): ModelProto {
  const node = messageDescriptor('onnx.GraphProto').fields.find((f) => f.name === 'node')!;
  return decodeModelWith(bytes, context, loaderRanges(), { field: node, depth: 2 });
}

/**
 * Decodes node `index` of the main graph, left raw by {@link decodeModelWithNodeRanges}, with
 * its range recorded; a problem is reported as a whole-model decode would (the same path, the
 * same offset).
 *
 * @internal
 */
export function decodeGraphNode(raw: RawMessage, index: number, context: DecodeContext = {}): NodeProto & { $start: number; $end: number } {
  // The hand-written decoder takes what exporters write; the reflective one the rest, and errors.
  const node = (decodePlainNode(raw.bytes, raw.start, raw.end) ?? decodeNodeReflectively(raw, index, context)) as NodeProto & { $start: number; $end: number };
  node.$start = raw.start;
  node.$end = raw.end;
  return node;
}

function decodeNodeReflectively(raw: RawMessage, index: number, context: DecodeContext): NodeProto {
  try {
    return decodeMessageBytes(messageDescriptor('onnx.NodeProto'), raw.bytes, raw.start, raw.end, loaderRanges()) as NodeProto;
  } catch (error) {
    if (error instanceof WireError) error.path.unshift('graph', `node[${index}]`);
    throw decodeFailure(messageDescriptor('onnx.ModelProto'), error, context);
  }
}

function decodeModelWith(bytes: Uint8Array, context: DecodeContext, ranges: RecordRanges | undefined, skipped?: SkippedField): ModelProto {
  if (bytes.byteLength === 0) throw new OnnxSurgeonError('decode', 'empty file, not an ONNX model', { file: context.file });
  let model: ModelProto;
  try {
    model = decodeWith(messageDescriptor('onnx.ModelProto'), bytes, context, ranges, skipped) as ModelProto;
  } catch (error) {
    throw addHint(error, bytes);
  }
  if (model.irVersion === undefined && model.graph === undefined) {
    throw addHint(
      new OnnxSurgeonError('decode', 'not an ONNX model: neither ir_version (field 1) nor graph (field 7) is present', {
        file: context.file,
      }),
      bytes,
    );
  }
  return model;
}

/**
 * Decodes a serialized TensorProto (e.g. ONNX test data `input_0.pb`). Requires `data_type`.
 *
 * @throws OnnxSurgeonError `decode` for empty, malformed, or non-tensor input.
 */
export function decodeTensor(bytes: Uint8Array, context: DecodeContext = {}): TensorProto {
  if (bytes.byteLength === 0) throw new OnnxSurgeonError('decode', 'empty file, not an ONNX tensor', { file: context.file });
  const tensor = decodeWith(messageDescriptor('onnx.TensorProto'), bytes, context) as TensorProto;
  if (tensor.dataType === undefined) {
    throw new OnnxSurgeonError('decode', 'not an ONNX TensorProto: data_type (field 2) is missing', { file: context.file });
  }
  return tensor;
}

/**
 * Encodes a model into chunks whose concatenation is the `.onnx` file. Large `bytes` fields
 * (weights in `rawData`) are the original views, not copies; write the chunks in order.
 *
 * @throws OnnxSurgeonError `encode` for ill-typed fields or a model over 2 GiB (use external data).
 */
export function encodeModel(model: ModelProto): Uint8Array[] {
  return encodeModelWith(model, undefined).chunks;
}

/**
 * {@link encodeModel} chunk by chunk into `sink` instead of a list: the encoded structure passes
 * through one reused scratch buffer (a `scratch` chunk is valid only during the call), large
 * `bytes` fields arrive as the original views. Returns the byte count. The size is checked
 * before the first chunk, so a model over 2 GiB sends nothing.
 *
 * @throws OnnxSurgeonError as {@link encodeModel}; an `internal` one after some chunks when the
 *   message changed while it was written (discard what the sink got).
 */
export function encodeModelInto(model: ModelProto, sink: ChunkSink): number {
  return encodeModelWith(model, sink).total;
}

function encodeModelWith(model: ModelProto, sink: ChunkSink | undefined): { chunks: Uint8Array[]; total: number } {
  const descriptor = messageDescriptor('onnx.ModelProto');
  const sizes = new SizeList();
  const total = measureMessage(descriptor, model as Record<string, unknown>, sizes);
  checkProtobufLimit(total);
  const writer = new ChunkedWriter({ passThroughBytes: PASS_THROUGH_BYTES, ...(sink ? { sink } : {}) });
  writeMessage(descriptor, model as Record<string, unknown>, sizes, writer);
  const chunks = writer.finish();
  checkWritten(writer.written, total, descriptor);
  return { chunks, total };
}

/** Exact size in bytes of `encodeModel(model)`, without encoding it. */
export function encodedModelSize(model: ModelProto): number {
  return measureMessage(messageDescriptor('onnx.ModelProto'), model as Record<string, unknown>, new SizeList());
}

function decodeWith(descriptor: MessageDescriptor, bytes: Uint8Array, context: DecodeContext, ranges?: RecordRanges, skipped?: SkippedField): unknown {
  if (!(bytes instanceof Uint8Array)) {
    throw new OnnxSurgeonError('usage', 'decode expects a Uint8Array', { file: context.file, found: typeof bytes });
  }
  try {
    return decodeMessageBytes(descriptor, bytes, 0, bytes.length, ranges, skipped);
  } catch (error) {
    throw decodeFailure(descriptor, error, context);
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The output names of node `index` of the main graph, left raw by
 * {@link decodeModelWithNodeRanges}, read without decoding the rest of it. Bytes that do not
 * scan are decoded whole, which reports their problem as {@link decodeGraphNode} does.
 *
 * @internal
 */
export function graphNodeOutputs(raw: RawMessage, index: number, context: DecodeContext = {}): string[] {
  return scanPlainNodeOutputs(raw.bytes, raw.start, raw.end) ?? scanNodeOutputs(raw, index, context);
}

/** {@link graphNodeOutputs} for any bytes (groups, malformed ones). */
function scanNodeOutputs(raw: RawMessage, index: number, context: DecodeContext): string[] {
  const outputs: string[] = [];
  try {
    const reader = new WireReader(raw.bytes, raw.start, raw.end);
    while (reader.pos < reader.end) {
      const tag = reader.readTag();
      if (tag === ((2 << 3) | WireType.LENGTH_DELIMITED)) {
        const length = reader.readLength();
        outputs.push(length === 0 ? '' : strictUtf8.decode(raw.bytes.subarray(reader.pos, reader.pos + length)));
        reader.pos += length;
      } else {
        if (tag >>> 3 === 0 || (tag & 7) === WireType.END_GROUP) throw new WireError('unscannable', reader.pos);
        reader.skipField(tag & 7, tag >>> 3, 64);
      }
    }
    if (reader.pos !== reader.end) throw new WireError('unscannable', reader.pos);
  } catch {
    decodeGraphNode(raw, index, context); // throws the node's own decode error
    throw new OnnxSurgeonError('internal', `node ${index} decodes but its outputs do not scan`, { file: context.file });
  }
  return outputs;
}

/** A {@link WireError} as the one-line decode error (message path, reason, byte offset); others as they are. */
function decodeFailure(descriptor: MessageDescriptor, error: unknown, context: DecodeContext): unknown {
  if (!(error instanceof WireError)) return error;
  const path = [descriptor.displayName, ...error.path].join('.');
  return new OnnxSurgeonError('decode', `${path}: ${error.reason} at byte offset ${error.offset}`, { file: context.file });
}

/** Adds a guess about what the bytes really are to a model decode error. */
function addHint(error: unknown, bytes: Uint8Array): unknown {
  if (!(error instanceof OnnxSurgeonError)) return error;
  let hint: string | undefined;
  if (looksLikeText(bytes)) {
    hint = 'the file looks like text, not a binary ONNX protobuf';
  } else if (isTensorProto(bytes)) {
    hint = 'the file looks like a serialized TensorProto (test data .pb), not a model; use decodeTensor';
  }
  if (!hint) return error;
  return new OnnxSurgeonError(error.code, `${error.detail} (${hint})`, error.context, { cause: error });
}

function looksLikeText(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 512);
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!;
    const printable = (b >= 0x20 && b < 0x7f) || b === 0x09 || b === 0x0a || b === 0x0d;
    if (!printable) return false;
  }
  return true;
}

function isTensorProto(bytes: Uint8Array): boolean {
  try {
    const tensor = decodeMessageBytes(messageDescriptor('onnx.TensorProto'), bytes) as TensorProto;
    return tensor.dataType !== undefined && tensor.$unknown === undefined;
  } catch {
    return false;
  }
}

function checkProtobufLimit(total: number): void {
  if (total > MAX_PROTOBUF_BYTES) {
    throw new OnnxSurgeonError('encode', 'model exceeds the 2 GiB protobuf limit; store large tensors as external data', {
      expected: `at most ${MAX_PROTOBUF_BYTES} bytes`,
      found: `${total} bytes`,
    });
  }
}

function checkWritten(written: number, expected: number, descriptor: MessageDescriptor): void {
  if (written !== expected) {
    // The object changed between measuring and writing (or a size rule is wrong): never emit it.
    throw new OnnxSurgeonError('internal', `${descriptor.displayName}: wrote ${written} bytes but measured ${expected}`);
  }
}

/** Joins encoded chunks into one array of `total` bytes (unread payloads are read from their file). */
export function concatChunks(chunks: Iterable<Uint8Array>, total: number): Uint8Array {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const piece of withHolesFilled(chunks)) {
    out.set(piece, offset);
    offset += piece.byteLength;
  }
  return out;
}
