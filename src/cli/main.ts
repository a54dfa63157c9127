#!/usr/bin/env node
/**
 * The `onnx-surgeon` executable: run one command line and exit with its status (see
 * exit-codes.ts for the table).
 */
import { runCli } from './program.js';

process.exitCode = await runCli(process.argv.slice(2));
