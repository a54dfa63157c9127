/**
 * Graphviz DOT text of pictures, one cluster per picture, for people who keep Graphviz at hand
 * (`dot -Tpng`); the same folded boxes and short labels as the SVG.
 */
import type { GraphPicture } from './picture.js';

/**
 * One DOT digraph of `pictures`, one cluster each.
 *
 * @group Building blocks
 */
export function renderPicturesDot(pictures: readonly GraphPicture[], graphName = 'msda'): string {
  const lines = [
    `digraph ${quote(graphName)} {`,
    '  rankdir=TB;',
    '  node [shape=box, style="rounded", fontname="Helvetica", fontsize=10];',
    '  edge [fontname="Helvetica", fontsize=8, color="#555555"];',
  ];
  pictures.forEach((picture, p) => {
    const id = (box: string): string => `r${p}_${box}`;
    lines.push(`  subgraph cluster_${p} {`, `    label=${quote([picture.title, ...picture.notes].join('\n'))};`, '    fontname="Helvetica"; fontsize=12; color="#999999";');
    for (const box of picture.boxes) {
      const text = [box.title, ...box.lines].join('\n');
      const style = box.kind !== 'op' ? ', shape=ellipse, style="dashed", fontsize=8'
        : box.highlight ? ', style="rounded,filled", fillcolor="#ffd27f"' : '';
      lines.push(`    ${id(box.id)} [label=${quote(text)}, tooltip=${quote(box.tooltip)}${style}];`);
    }
    for (const edge of picture.edges) lines.push(`    ${id(edge.from)} -> ${id(edge.to)} [label=${quote(edge.label)}, tooltip=${quote(edge.tooltip)}];`);
    lines.push('  }');
  });
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** A DOT double-quoted string; newlines become DOT's centred line breaks. */
function quote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}
