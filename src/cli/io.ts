/**
 * The streams a command writes to. Commands never touch `process.stdout` directly, so tests can
 * hand in their own streams and read back exactly what a user would see.
 */

/** Output streams of a command (stderr carries `isTTY` so progress can decide whether to draw). */
export interface CommandIo {
  /** Results: summaries, JSON reports, DOT text. */
  stdout: NodeJS.WritableStream;
  /** Errors, warnings and progress. */
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

/** The process's own streams. */
export function processIo(): CommandIo {
  return { stdout: process.stdout, stderr: process.stderr };
}

/** Writes `text` followed by a newline. */
export function writeLine(stream: NodeJS.WritableStream, text = ''): void {
  stream.write(`${text}\n`);
}
