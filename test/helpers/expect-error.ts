/** The OnnxSurgeonError a call throws (fails the test when it throws nothing or something else). */
import { expect } from 'vitest';
import { OnnxSurgeonError } from '../../src/errors.js';

/** Runs `run` and returns the OnnxSurgeonError it throws. */
export function errorOf(run: () => unknown): OnnxSurgeonError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(OnnxSurgeonError);
    return error as OnnxSurgeonError;
  }
  throw new Error('expected an OnnxSurgeonError');
}
