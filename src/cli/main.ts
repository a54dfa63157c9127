#!/usr/bin/env node
/**
 * The `onnx-surgeon` executable: parse, run one command, set the exit code. Usage errors from
 * commander exit with 2; anything unexpected with 70 and a one-line message (see exit-codes.ts).
 */
import { CommanderError } from 'commander';
import { EXIT } from './exit-codes.js';
import { processIo } from './io.js';
import { createProgram } from './program.js';
import { reportError } from './report-error.js';

const io = processIo();
try {
  await createProgram(io).parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // --help and --version "fail" with exit code 0; everything else commander rejects is usage.
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else {
    process.exitCode = reportError(error, io);
  }
}
