/**
 * Turns an error that reached the command line into one readable line on stderr and an exit
 * code. Stack traces only with `ONNX_SURGEON_DEBUG=1`: users get the message, developers the rest.
 */
import { OnnxSurgeonError, withContext } from '../errors.js';
import { EXIT, type ExitCode, exitCodeForError } from './exit-codes.js';
import type { CommandIo } from './io.js';

/** True when `ONNX_SURGEON_DEBUG` asks for stack traces. */
export function debugEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env['ONNX_SURGEON_DEBUG'];
  return value !== undefined && value !== '' && value !== '0';
}

/**
 * Prints `error` as one line (the {@link OnnxSurgeonError} message, which already names the file,
 * node and tensor) and returns the exit code. `file` is added as context when the error lacks it.
 */
export function reportError(error: unknown, io: CommandIo, file?: string): ExitCode {
  const code = exitCodeForError(error);
  if (code === EXIT.internal) {
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`internal error: ${oneLine(message)} (this is a bug; set ONNX_SURGEON_DEBUG=1 for a stack trace)\n`);
  } else {
    const known = error instanceof OnnxSurgeonError && file && !error.context.file ? withContext(error, { file }) : error;
    io.stderr.write(`${oneLine((known as Error).message)}\n`);
  }
  if (debugEnabled() && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
  return code;
}

/** Folds a multi-line detail (e.g. a list of contract violations) into one line for grep and logs. */
export function oneLine(message: string): string {
  return message.split('\n').map((l) => l.trim()).filter((l) => l !== '').join(' ');
}
