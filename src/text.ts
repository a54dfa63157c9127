/** Plain-text helpers shared by the terminal tables and the pictures. */

/**
 * Splits `text` into lines of at most `width` characters at spaces (a longer word stays whole).
 *
 * @example
 * ```ts
 * wrapText('the plugin samples with align_corners=0', 20); // ['the plugin samples', 'with align_corners=0']
 * ```
 */
export function wrapText(text: string, width: number): string[] {
  if (text.length <= width) return [text];
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(' ')) {
    if (current && current.length + 1 + word.length > width) {
      lines.push(current);
      current = word;
    } else current = current ? `${current} ${word}` : word;
  }
  if (current) lines.push(current);
  return lines;
}
