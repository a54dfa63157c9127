/**
 * Parsers for repeatable option values, shared by the commands: `--shape a --shape b` and
 * comma-separated lists (`--inputs a,b --inputs c`).
 */

/**
 * Collects every occurrence of a repeatable option, in order.
 *
 * @example
 * ```ts
 * command.option('--shape <name=dims>', 'repeatable', collect, []);
 * ```
 */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * Collects comma-separated names from every occurrence of an option, trimmed, empty ones dropped.
 *
 * @example
 * ```ts
 * command.option('--inputs <names>', 'comma-separated (repeatable)', commaList, []);
 * ```
 */
export function commaList(value: string, previous: string[]): string[] {
  return [...previous, ...value.split(',').map((v) => v.trim()).filter(Boolean)];
}
