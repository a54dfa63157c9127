#!/usr/bin/env node
/**
 * The `onnx-surgeon` executable: run one command line and exit with its status (see
 * exit-codes.ts for the table).
 */
import { ignoreClosedOutput } from './closed-output.js';
import { runCli } from './program.js';

ignoreClosedOutput([process.stdout, process.stderr]);
process.exitCode = await runCli(process.argv.slice(2));
