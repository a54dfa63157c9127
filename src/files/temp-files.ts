/**
 * Temp files of atomic writes: how they are named, which ones this process has in flight, and
 * what happens to them when the process is interrupted.
 *
 * - A temp name carries the writer's host and PID (`.model.onnx~host~4242~k3j9x1.tmp`), so a later
 *   write into the same folder can tell a temp left by a SIGKILL or a power cut (its writer no
 *   longer runs on this host) from a concurrent writer's (never touched) and remove it.
 * - While a temp file (or a folder created for an output) exists, SIGINT, SIGTERM and SIGHUP remove
 *   it and exit with 128 + the signal number, as the default action would have without the litter.
 *   The handler is removed first, so a second Ctrl-C gets the default action: the process ends at
 *   once. A host application that listens to the signal itself keeps its own policy; its
 *   `process.exit` still removes the files (an `exit` hook).
 */

import { lstatSync, readdirSync, rmdirSync, unlinkSync } from 'node:fs';
import { constants, hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';

/** The signals that remove in-flight temp files before the process ends. */
export const CLEANUP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** This host's name as it appears in temp names: letters, digits, `.`, `-`, `_` only. */
export const TEMP_HOST = (hostname() || 'localhost').replace(/[^A-Za-z0-9.-]/g, '_').slice(0, 64);

/** The file name part kept from the target (long names would pass the 255-byte limit). */
const MAX_KEPT_NAME = 100;

/** `.NAME~HOST~PID~RANDOM.tmp`: HOST never contains `~`, so the last three fields parse back. */
const TEMP_NAME = /^\.(.*)~([A-Za-z0-9._-]+)~(\d+)~([a-z0-9]+)\.tmp$/s;

/**
 * A fresh temp path beside `target`, in the same folder (so the final rename is atomic).
 *
 * @example
 * ```ts
 * tempPathFor('/models/out.onnx'); // '/models/.out.onnx~myhost~4242~k3j9x1ab.tmp'
 * ```
 */
export function tempPathFor(target: string): string {
  const name = [...basename(target)].slice(0, MAX_KEPT_NAME).join('');
  const random = Math.random().toString(36).slice(2, 10).padEnd(8, '0');
  return join(dirname(target), `.${name}~${TEMP_HOST}~${process.pid}~${random}.tmp`);
}

/** Who wrote a temp file, read back from its name; undefined for any other name. */
export function parseTempName(fileName: string): { target: string; host: string; pid: number } | undefined {
  const match = TEMP_NAME.exec(fileName);
  if (!match) return undefined;
  return { target: match[1]!, host: match[2]!, pid: Number(match[3]) };
}

/** True when a process with this PID runs on this host (EPERM: it runs, as another user). */
export function processRuns(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A temp file removed by {@link removeStaleTemps}. */
export interface StaleTemp {
  /** Absolute path of the removed file. */
  path: string;
  /** Its size in bytes. */
  bytes: number;
}

/**
 * Removes the temp files in `folder` whose writer is gone: written on this host by a PID that no
 * longer runs. Files of live writers, of other hosts (a shared network folder) and of this very
 * process (a worker thread may be writing) are left alone, and so is anything not a regular file.
 *
 * @example
 * ```ts
 * for (const stale of removeStaleTemps('out')) console.log(`removed ${stale.path}`);
 * ```
 */
export function removeStaleTemps(folder: string): StaleTemp[] {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return []; // a missing or unreadable folder has nothing to clean; the write reports the problem
  }
  const removed: StaleTemp[] = [];
  for (const name of names) {
    const writer = parseTempName(name);
    if (!writer || writer.host !== TEMP_HOST || writer.pid === process.pid || processRuns(writer.pid)) continue;
    const path = join(folder, name);
    try {
      const stats = lstatSync(path);
      if (!stats.isFile()) continue;
      unlinkSync(path);
      removed.push({ path, bytes: stats.size });
    } catch {
      // Removed by someone else meanwhile, or not ours to remove: either way nothing to do.
    }
  }
  return removed;
}

// ---------------------------------------------------------------- in-flight files and signals

const inFlightFiles = new Set<string>();
/** Folders created for outputs, newest last: removed (when still empty) if the process is interrupted. */
const createdFolders: string[] = [];
const signalHandlers = new Map<NodeJS.Signals, () => void>();
let exitHookInstalled = false;

/** Registers a temp file before it is created; the cleanup on signals and exit covers it. */
export function trackTempFile(path: string): void {
  inFlightFiles.add(path);
  updateGuard();
}

/** The temp file was renamed into place or removed: nothing left to clean for it. */
export function untrackTempFile(path: string): void {
  inFlightFiles.delete(path);
  updateGuard();
}

/** Registers folders just created for an output, outermost first. */
export function trackCreatedFolders(folders: readonly string[]): void {
  createdFolders.push(...folders);
  updateGuard();
}

/** The output is complete (or the folders were removed): the folders are the user's now. */
export function untrackCreatedFolders(folders: readonly string[]): void {
  for (const folder of folders) {
    const index = createdFolders.lastIndexOf(folder);
    if (index >= 0) createdFolders.splice(index, 1);
  }
  updateGuard();
}

/** Paths this process would remove if it were interrupted now (for tests and diagnostics). */
export function inFlightPaths(): { files: string[]; folders: string[] } {
  return { files: [...inFlightFiles], folders: [...createdFolders] };
}

/** Removes every in-flight temp file and every created folder that is still empty. Synchronous. */
export function removeInFlight(): void {
  for (const path of inFlightFiles) {
    try {
      unlinkSync(path);
    } catch {
      // Never created, or already gone.
    }
  }
  inFlightFiles.clear();
  for (const folder of createdFolders.splice(0).reverse()) {
    try {
      rmdirSync(folder);
    } catch {
      // Not empty (something else is in it now) or already gone: leave it.
    }
  }
}

function updateGuard(): void {
  const needed = inFlightFiles.size > 0 || createdFolders.length > 0;
  if (needed && signalHandlers.size === 0) installGuard();
  else if (!needed && signalHandlers.size > 0) removeGuard();
}

function installGuard(): void {
  for (const signal of CLEANUP_SIGNALS) {
    const handler = (): void => onSignal(signal);
    signalHandlers.set(signal, handler);
    process.on(signal, handler);
  }
  if (!exitHookInstalled) {
    // Stays installed: cheap, and an exit while nothing is in flight removes nothing.
    process.on('exit', removeInFlight);
    exitHookInstalled = true;
  }
}

function removeGuard(): void {
  for (const [signal, handler] of signalHandlers) process.removeListener(signal, handler);
  signalHandlers.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  // Someone else listens too: the host application decides what a signal means (its exit, if it
  // exits, runs the exit hook).
  if (process.listenerCount(signal) > 1) return;
  // Default action from here on: a second Ctrl-C while the files are removed ends the process at once.
  removeGuard();
  removeInFlight();
  process.exit(128 + (constants.signals[signal] ?? 0));
}
