/**
 * The codec's schema tables (`src/onnx/schema-data.ts`, generated from schemas/onnx.proto) are
 * current, and the descriptors linked from them say what protobufjs's own reflection of the
 * .proto says: wire type, packing, repeated, message links, oneofs. When the first test fails,
 * run `npm run schema:gen`.
 */
import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { SCHEMA_DATA_FILE, compileSchema, findSchemaFile, renderSchemaModule } from '../../scripts/gen-schema.js';
import { messageDescriptor, onnxSchema } from '../../src/onnx/schema.js';
import { WireType } from '../../src/onnx/wire-reader.js';

const proto = readFileSync(findSchemaFile(), 'utf8');
const reflection = protobuf.parse(proto, { keepCase: false }).root.resolveAll();

function reflectedTypes(namespace: protobuf.NamespaceBase, out: protobuf.Type[] = []): protobuf.Type[] {
  for (const nested of namespace.nestedArray) {
    if (nested instanceof protobuf.Type) out.push(nested);
    if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) reflectedTypes(nested, out);
  }
  return out;
}

describe('ONNX schema tables', () => {
  it(`${SCHEMA_DATA_FILE} is what scripts/gen-schema.ts makes of schemas/onnx.proto`, () => {
    expect(readFileSync(SCHEMA_DATA_FILE, 'utf8')).toBe(renderSchemaModule(compileSchema(proto)));
  });

  it('every message and field agrees with protobufjs reflection', () => {
    const types = reflectedTypes(reflection);
    expect(onnxSchema().messages.size).toBe(types.length);
    let checked = 0;
    for (const type of types) {
      const descriptor = messageDescriptor(type.fullName.slice(1));
      expect(descriptor.fields.map((f) => f.number)).toEqual(type.fieldsArray.map((f) => f.id).sort((a, b) => a - b));
      for (const field of type.fieldsArray) {
        const d = descriptor.byNumber[field.id]!;
        const message = field.resolvedType instanceof protobuf.Type;
        const wireType = message || ['string', 'bytes'].includes(field.type) ? WireType.LENGTH_DELIMITED
          : ['double', 'fixed64', 'sfixed64'].includes(field.type) ? WireType.FIXED64
            : ['float', 'fixed32', 'sfixed32'].includes(field.type) ? WireType.FIXED32 : WireType.VARINT;
        expect({ name: d.name, repeated: d.repeated, wireType: d.wireType, packable: d.packable, link: d.messageType?.fullName })
          .toEqual({ name: field.name, repeated: field.repeated, wireType, packable: field.repeated && wireType !== WireType.LENGTH_DELIMITED,
            link: message ? field.resolvedType!.fullName.slice(1) : undefined });
        if (d.typedArray) expect(field.packed).toBe(true);
        expect([...d.oneofSiblings].sort()).toEqual(field.partOf ? field.partOf.oneof.filter((n) => n !== field.name).sort() : []);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(150);
  });

  it('float_data and int64_data decode to typed arrays; raw_data and dims do not', () => {
    const tensor = messageDescriptor('TensorProto');
    const byName = new Map(tensor.fields.map((f) => [f.name, f]));
    expect(byName.get('floatData')!.typedArray).toBe(true);
    expect(byName.get('int64Data')!.typedArray).toBe(true);
    expect(byName.get('rawData')!.typedArray).toBe(false);
    expect(byName.get('dims')!.typedArray).toBe(false);
  });
});
