/**
 * Tensors stored in external data files: each file must be there, inside the model's folder, and
 * hold the tensor's bytes. Checked without reading (by stat in Node), through the files the
 * model's loader registered (`src/serde/external-files.ts`).
 */
import { OnnxSurgeonError } from '../errors.js';
import type { Model, Tensor } from '../ir/index.js';
import { parseExternalData } from '../onnx/external-refs.js';
import { externalDataFilesOf } from '../serde/external-files.js';
import type { TensorProto } from '../onnx/proto-types.js';
import type { ProblemList } from './problem.js';
import type { GraphPaths } from './walk.js';

/** Every external tensor of the model (initializers and tensor attributes of every graph). */
export function checkExternalTensors(model: Model, paths: GraphPaths, list: ProblemList): void {
  const files = externalDataFilesOf(model);
  for (const [graph, graphPath] of paths) {
    const visit = (tensor: Tensor, place: { node?: string; tensor: string }): void => {
      const proto = tensor.serdeOrigin as TensorProto | undefined;
      if (proto?.dataLocation !== 1) return;
      const where = { graph: graphPath, ...place };
      if (!files) {
        list.warning('external-data', 'tensor data is external, but the model was not loaded from a file: not checked', where);
        return;
      }
      try {
        files.check(parseExternalData(proto), tensor.byteLength);
      } catch (error) {
        if (!(error instanceof OnnxSurgeonError)) throw error;
        const { expected, found, file } = error.context;
        list.error('external-data', `${error.detail}${file ? ` (${files.displayName(file)})` : ''}`, {
          ...where, ...(expected !== undefined ? { expected } : {}), ...(found !== undefined ? { found } : {}),
        });
      }
    };
    for (const v of graph.initializers) visit(v.initializer!, { tensor: v.name });
    for (const node of graph.nodesIter()) {
      for (const attribute of node.attributes.values()) {
        const a = attribute.value;
        if (a.kind === 'tensor') visit(a.value, { node: node.label, tensor: a.value.name || attribute.name });
        else if (a.kind === 'tensors') for (const t of a.value) visit(t, { node: node.label, tensor: t.name || attribute.name });
      }
    }
  }
}
