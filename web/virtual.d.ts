/** The worker's bundled source, inlined by scripts/build-web.mjs (a blob worker works from file://). */
declare module 'virtual:worker-source' {
  const source: string;
  export default source;
}
