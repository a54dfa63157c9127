/**
 * The ONNX operator domain has two spellings: `''` (what exporters write) and `'ai.onnx'` (what
 * some tools write explicitly). Every check for "is this a standard ONNX op?" goes through here,
 * so a model that imports `ai.onnx` by name is read like any other.
 */

/**
 * True for the default ONNX domain, spelled `''` or `'ai.onnx'`.
 *
 * @example
 * ```ts
 * isOnnxDomain('');        // true
 * isOnnxDomain('ai.onnx'); // true
 * isOnnxDomain('com.microsoft'); // false
 * ```
 * @group Types and data
 */
export function isOnnxDomain(domain: string): boolean {
  return domain === '' || domain === 'ai.onnx';
}

/**
 * The canonical spelling of a domain: `''` for the ONNX domain, anything else unchanged (for
 * comparing and indexing domains).
 *
 * @example
 * ```ts
 * normalizeDomain('ai.onnx'); // ''
 * ```
 * @group Types and data
 */
export function normalizeDomain(domain: string): string {
  return isOnnxDomain(domain) ? '' : domain;
}
