/**
 * GridSample's attributes, values and types. The plugin samples bilinearly with zero padding and
 * align_corners=0; any other meaning must be left alone, and a node onnxruntime rejects
 * (attribute of the wrong type, a mode spelled for another opset, a duplicate attribute) is an
 * invalid model: refuse it or leave it, never pick a meaning.
 */
import { type AttributeValue, type Model, attr } from '../../../src/index.js';
import { nodeKey, nodeNamed, setAttribute } from '../edit.js';
import type { MutantDraft, MutationClass, SiteContext } from '../mutant.js';
import { type RawAttribute, appendAttribute } from '../wire.js';
import { sampleLevels } from './common.js';

const encoder = new TextEncoder();

/** The spelling of bilinear interpolation at an opset (GridSample-20 renamed it). */
function bilinear(opset: number): string {
  return opset >= 20 ? 'linear' : 'bilinear';
}

function forEachLevel(context: SiteContext, make: (key: string, level: number) => MutantDraft[]): MutantDraft[] {
  return sampleLevels(context).flatMap((level) => make(nodeKey(context.site.levels[level]!.gridSample), level));
}

export const gridSampleAttribute: MutationClass = {
  name: 'gridsample-attribute',
  description: "Other GridSample attribute values on one level: align_corners=1, border/reflection padding, nearest/cubic modes, misspellings, the other opset's spelling of bilinear, attributes dropped (defaults: equivalent), and the model's opset moved across GridSample-20.",
  generate(context) {
    const { opset } = context;
    const drafts = forEachLevel(context, (key, level) => {
      const set = (param: string, name: string, value: AttributeValue): MutantDraft => ({
        node: key, param: `level${level}:${param}`, apply: (m) => setAttribute(nodeNamed(m, key), name, value),
      });
      const drop = (name: string): MutantDraft => ({
        node: key, param: `level${level}:${name}=default`, apply: (m) => { nodeNamed(m, key).attributes.delete(name); },
      });
      return [
        set('align_corners=1', 'align_corners', attr.int(1)),
        set('align_corners=-1', 'align_corners', attr.int(-1)),
        set('padding_mode=border', 'padding_mode', attr.string('border')),
        set('padding_mode=reflection', 'padding_mode', attr.string('reflection')),
        set('padding_mode=zero', 'padding_mode', attr.string('zero')),
        set('mode=nearest', 'mode', attr.string('nearest')),
        set(`mode=${opset >= 20 ? 'cubic' : 'bicubic'}`, 'mode', attr.string(opset >= 20 ? 'cubic' : 'bicubic')),
        set(`mode=${bilinear(opset >= 20 ? 19 : 20)}(other opset)`, 'mode', attr.string(bilinear(opset >= 20 ? 19 : 20))),
        set('mode=Bilinear', 'mode', attr.string(opset >= 20 ? 'Linear' : 'Bilinear')),
        drop('mode'),
        drop('padding_mode'),
        drop('align_corners'),
      ];
    });
    if (context.site.index === 0) {
      const target = opset >= 20 ? 19 : 20;
      drafts.push({
        node: 'model', param: `opset=${target}`,
        apply: (m: Model) => {
          const key = m.opsetImports.has('') ? '' : 'ai.onnx';
          m.opsetImports.set(key, target);
        },
      });
    }
    return drafts;
  },
};

export const gridSampleAttributeType: MutationClass = {
  name: 'gridsample-attribute-type',
  description: 'GridSample attributes of the wrong type (align_corners as a string, an int list, a float; mode as a list or an int), duplicated attributes (either order), and an unknown attribute.',
  generate(context) {
    const mode = bilinear(context.opset);
    return forEachLevel(context, (key, level) => {
      const set = (param: string, name: string, value: AttributeValue): MutantDraft => ({
        node: key, param: `level${level}:${param}`, apply: (m) => setAttribute(nodeNamed(m, key), name, value),
      });
      const duplicate = (param: string, name: string, first: AttributeValue, then: RawAttribute): MutantDraft => ({
        node: key, param: `level${level}:duplicate-${param}`,
        apply: (m) => { nodeNamed(m, key).setAttr(name, first); },
        patchBytes: (bytes) => appendAttribute(bytes, key, then),
      });
      return [
        set('align_corners="0"', 'align_corners', attr.string('0')),
        set('align_corners=[0]', 'align_corners', attr.ints([0])),
        set('align_corners=0.0', 'align_corners', attr.float(0)),
        set('align_corners="1"', 'align_corners', attr.string('1')),
        set(`mode=["${mode}"]`, 'mode', attr.strings([mode])),
        set('mode=0', 'mode', attr.int(0)),
        set('mode=NUL-terminated', 'mode', { kind: 'string', value: encoder.encode(`${mode}\0`) }),
        set('padding_mode=0', 'padding_mode', attr.int(0)),
        set('padding_mode=["zeros"]', 'padding_mode', attr.strings(['zeros'])),
        set('unknown=1', 'sampling_ratio', attr.int(1)),
        duplicate('align_corners(0,1)', 'align_corners', attr.int(0), { name: 'align_corners', int: 1 }),
        duplicate('align_corners(1,0)', 'align_corners', attr.int(1), { name: 'align_corners', int: 0 }),
        duplicate('align_corners(0,0)', 'align_corners', attr.int(0), { name: 'align_corners', int: 0 }),
        duplicate(`mode(${mode},nearest)`, 'mode', attr.string(mode), { name: 'mode', string: 'nearest' }),
        duplicate(`mode(nearest,${mode})`, 'mode', attr.string('nearest'), { name: 'mode', string: mode }),
        duplicate('padding_mode(zeros,border)', 'padding_mode', attr.string('zeros'), { name: 'padding_mode', string: 'border' }),
        duplicate('padding_mode(border,zeros)', 'padding_mode', attr.string('border'), { name: 'padding_mode', string: 'zeros' }),
      ];
    });
  },
};

export const gridSampleDomain: MutationClass = {
  name: 'gridsample-domain',
  description: "GridSample's op identity: onnxruntime's com.microsoft GridSample (same math), the ai.onnx spelling of the default domain, an unknown domain, a misspelled op type.",
  generate(context) {
    const key = nodeKey(context.site.levels[0]!.gridSample);
    const domain = (param: string, name: string, version?: number): MutantDraft => ({
      node: key, param: `level0:${param}`,
      apply: (m) => {
        nodeNamed(m, key).domain = name;
        if (version !== undefined) m.ensureOpset(name, version);
      },
    });
    return [
      domain('domain=com.microsoft', 'com.microsoft', 1),
      domain('domain=ai.onnx', 'ai.onnx'),
      domain('domain=org.example', 'org.example', 1),
      { node: key, param: 'level0:op=GridSampler', apply: (m) => { nodeNamed(m, key).opType = 'GridSampler'; } },
    ];
  },
};
