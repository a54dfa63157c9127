import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Runs a command to completion and returns its wall time and stdout; throws on failure. */
export function timed(command: string, args: string[]): { ms: number; stdout: string } {
  const start = performance.now();
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 16 << 20 });
  const ms = performance.now() - start;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return { ms, stdout: result.stdout };
}

/** A repository file (a fixture), searched upwards from the benchmarks (dist/bench or bench), then from the cwd. */
export function findFixture(relative: string): string {
  for (const start of [dirname(fileURLToPath(import.meta.url)), process.cwd()]) {
    for (let dir = start, up = 0; up < 6; up++, dir = dirname(dir)) {
      if (existsSync(join(dir, relative))) return join(dir, relative);
    }
  }
  return resolve(relative);
}
