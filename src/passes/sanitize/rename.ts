/**
 * Renaming graph inputs and outputs. Every rename is checked before any is made, so a refused
 * list leaves the graph as it was; swaps (`a=b`, `b=a`) go through temporary names.
 */
import { OnnxSurgeonError } from '../../errors.js';
import type { Graph, Value } from '../../ir/index.js';
import type { IoRename } from './report.js';

/**
 * Renames graph inputs and outputs of the main graph, `renames` mapping old names to new ones.
 * Refuses (usage error, nothing renamed) a name that is not a graph input or output, a new name
 * some other value of the model already has, two old names given the same new name.
 *
 * @example
 * ```ts
 * renameGraphIo(model.graph, { pixel_values: 'images', logits: 'scores' });
 * model.graph.inputs[0]!.name; // 'images'
 * ```
 */
export function renameGraphIo(graph: Graph, renames: Readonly<Record<string, string>>): IoRename[] {
  const entries = Object.entries(renames).filter(([from, to]) => from !== to);
  const values = entries.map(([from, to]) => [ioValue(graph, from), to] as const);
  checkNewNames(graph, values);
  // Two phases: a swap frees each name before the other takes it.
  const temporary = values.map(([value]) => {
    graph.renameValue(value, graph.names.fresh(`${value.name}__renaming`));
    return value;
  });
  temporary.forEach((value, i) => graph.renameValue(value, values[i]![1]));
  return entries.map(([from, to], i) => ({ from, to, role: roleOf(values[i]![0]) }));
}

function ioValue(graph: Graph, name: string): Value {
  const value = graph.value(name);
  if (value && value.graph === graph && (value.isGraphInput || value.isGraphOutput)) return value;
  const io = [...graph.inputs.filter((v) => !v.initializer), ...graph.outputs].map((v) => v.name);
  throw new OnnxSurgeonError('usage', value ? `cannot rename '${name}': it is not a graph input or output` : `cannot rename '${name}': no graph input or output has this name`, {
    tensor: name, expected: `one of ${[...new Set(io)].join(', ')}`,
  });
}

function checkNewNames(graph: Graph, values: readonly (readonly [Value, string])[]): void {
  const renamedAway = new Set(values.map(([value]) => value.name));
  const taken = new Map<string, string>();
  for (const [value, to] of values) {
    if (!to.trim()) throw new OnnxSurgeonError('usage', `cannot rename '${value.name}' to an empty name`, { tensor: value.name });
    const previous = taken.get(to);
    if (previous !== undefined) {
      throw new OnnxSurgeonError('usage', `cannot rename both '${previous}' and '${value.name}' to '${to}'`, { tensor: to, expected: 'one new name per value' });
    }
    taken.set(to, value.name);
    if (graph.names.has(to) && !renamedAway.has(to)) {
      throw new OnnxSurgeonError('usage', `cannot rename '${value.name}' to '${to}': the model already has ${describeOwner(graph, to)} named '${to}'`, {
        tensor: value.name, expected: 'a name no other value, node or initializer uses',
      });
    }
  }
}

/** What holds a taken name, in the user's words. */
function describeOwner(graph: Graph, name: string): string {
  const value = graph.value(name);
  if (!value) return 'a value of a subgraph';
  if (value.isGraphInput) return 'a graph input';
  if (value.isGraphOutput) return 'a graph output';
  if (value.initializer) return 'an initializer';
  if (value.producer) return `a value (output of node '${value.producer.label}')`;
  return 'a value';
}

function roleOf(value: Value): IoRename['role'] {
  if (value.isGraphInput && value.isGraphOutput) return 'input and output';
  return value.isGraphInput ? 'input' : 'output';
}
