/**
 * A reader that goes away (`onnx-surgeon verify --help | head -5`, a pager quit early) closes the
 * pipe; the next write fails with EPIPE, which Node raises as an unhandled 'error' event and a
 * stack trace. The output nobody reads is dropped instead and the command carries on, so the
 * files it writes (`-o`) are still written and its exit status is still its own.
 */

/** Error codes of a write to a stream whose reader has gone. */
const READER_GONE = new Set(['EPIPE', 'ERR_STREAM_DESTROYED']);

/**
 * Makes writes to `streams` whose reader has gone silent no-ops; any other stream error is
 * rethrown as before.
 *
 * @example
 * ```ts
 * ignoreClosedOutput([process.stdout, process.stderr]);
 * ```
 */
export function ignoreClosedOutput(streams: readonly NodeJS.WritableStream[]): void {
  for (const stream of streams) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (!READER_GONE.has(error.code ?? '')) throw error;
    });
  }
}
