/**
 * Which real file a path names, so that two paths can be compared as files rather than as text:
 * `x.onnx`, `./x.onnx`, `/abs/x.onnx`, a symlink to it, a hard link to it and, on a
 * case-insensitive folder, `X.ONNX` are all the same file.
 *
 * Existing files are compared by device and inode (this covers links and whatever name folding
 * the file system does). Paths that do not exist yet are compared by their canonical path (every
 * existing folder and symlink on the way resolved); when two differ only in case or Unicode form,
 * the folder is asked whether it tells them apart ({@link folderFoldsNames}): detected, never
 * assumed from the platform.
 */

import { closeSync, lstatSync, openSync, readlinkSync, realpathSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { tempPathFor, trackTempFile, untrackTempFile } from './temp-files.js';

/** What is at a path now. */
export type PathKind = 'file' | 'folder' | 'missing' | 'other';

/** A path and the real file it names. */
export interface FileIdentity {
  /** The path as given. */
  given: string;
  /** `path.resolve(given)`. */
  absolute: string;
  /** Canonical path: symlinks and `.`/`..` resolved as far as the path exists. */
  canonical: string;
  /** What is there (symlinks followed). */
  kind: PathKind;
  /** `dev:ino` of what is there; undefined when missing. */
  inode?: string;
  /** For `other`: what it is ('a character device', 'a FIFO', ...). */
  other?: string;
  /** True when the path itself (not a folder above it) is a symlink. */
  isSymlink: boolean;
}

/** How two paths turned out to be the same file (for messages). */
export type SameFileHow = 'same path' | 'symlink' | 'hard link' | 'case-insensitive name' | 'same path written differently';

/**
 * The real file `given` names, relative paths taken from `cwd`.
 *
 * @example
 * ```ts
 * fileIdentity('./model.onnx').inode === fileIdentity('/work/model.onnx').inode; // true
 * ```
 */
export function fileIdentity(given: string, cwd = process.cwd()): FileIdentity {
  const absolute = resolve(cwd, given);
  const isSymlink = lstatKind(absolute) === 'symlink';
  let stats: ReturnType<typeof statSync> | undefined;
  try {
    stats = statSync(absolute, { bigint: true });
  } catch {
    stats = undefined;
  }
  const canonical = canonicalPath(absolute);
  if (!stats) return { given, absolute, canonical, kind: 'missing', isSymlink };
  const inode = `${stats.dev}:${stats.ino}`;
  if (stats.isFile()) return { given, absolute, canonical, kind: 'file', inode, isSymlink };
  if (stats.isDirectory()) return { given, absolute, canonical, kind: 'folder', inode, isSymlink };
  return { given, absolute, canonical, kind: 'other', inode, other: describeSpecial(stats), isSymlink };
}

/**
 * Whether `a` and `b` are the same file, and how. Paths that do not exist are the same when
 * their canonical paths are, or differ only in a way their folder does not tell apart.
 */
export function sameFile(a: FileIdentity, b: FileIdentity): SameFileHow | undefined {
  if (a.inode !== undefined || b.inode !== undefined) {
    if (a.inode !== b.inode) return undefined;
    return how(a, b);
  }
  if (a.canonical === b.canonical) return how(a, b);
  if (dirname(a.canonical) !== dirname(b.canonical) || foldName(basename(a.canonical)) !== foldName(basename(b.canonical))) return undefined;
  return folderFoldsNames(nearestExisting(dirname(a.canonical)), basename(a.canonical), basename(b.canonical)) ? 'case-insensitive name' : undefined;
}

function how(a: FileIdentity, b: FileIdentity): SameFileHow {
  if (a.absolute === b.absolute) return a.given === b.given ? 'same path' : 'same path written differently';
  if (a.canonical === b.canonical) return a.isSymlink || b.isSymlink ? 'symlink' : 'same path written differently';
  if (foldName(a.canonical) === foldName(b.canonical)) return 'case-insensitive name';
  return a.isSymlink || b.isSymlink ? 'symlink' : 'hard link';
}

/** Lower case, composed Unicode: what case- and normalization-insensitive file systems compare. */
function foldName(name: string): string {
  return name.normalize('NFC').toLowerCase();
}

/**
 * True when `folder` treats the names `a` and `b` as one (macOS and Windows by default, ext4
 * with casefold): a probe file named like `a` is created and looked up under `b`'s spelling.
 */
export function folderFoldsNames(folder: string, a: string, b: string): boolean {
  const probe = tempPathFor(join(folder, `case-probe-${a}`));
  const other = join(folder, basename(probe).replace(`case-probe-${a}`, `case-probe-${b}`));
  trackTempFile(probe);
  try {
    closeSync(openSync(probe, 'wx'));
  } catch {
    untrackTempFile(probe);
    return true; // cannot probe (the folder is not writable): take the names as one, the safe answer
  }
  try {
    const first = statSync(probe, { bigint: true });
    const second = statSync(other, { bigint: true });
    return first.ino === second.ino && first.dev === second.dev;
  } catch {
    return false;
  } finally {
    try {
      unlinkSync(probe);
    } catch {
      // Gone already.
    }
    untrackTempFile(probe);
  }
}

/** The deepest folder of `path` (itself included) that exists. */
export function nearestExisting(path: string): string {
  let current = path;
  while (lstatKind(current) === 'missing') {
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  return current;
}

/** `absolute` with every existing folder and symlink on the way resolved (dangling links followed). */
function canonicalPath(absolute: string, hops = 0): string {
  try {
    return realpathSync.native(absolute);
  } catch {
    // Not all of it exists: resolve the folder, then look at the last component.
  }
  const parent = dirname(absolute);
  if (parent === absolute) return absolute;
  const candidate = join(canonicalPath(parent, hops), basename(absolute));
  if (lstatKind(candidate) === 'symlink' && hops < 40) {
    return canonicalPath(resolve(dirname(candidate), readlinkSync(candidate)), hops + 1);
  }
  return candidate;
}

function lstatKind(path: string): 'symlink' | 'missing' | 'present' {
  try {
    return lstatSync(path).isSymbolicLink() ? 'symlink' : 'present';
  } catch {
    return 'missing';
  }
}

function describeSpecial(stats: ReturnType<typeof statSync>): string {
  if (stats?.isCharacterDevice()) return 'a character device';
  if (stats?.isBlockDevice()) return 'a block device';
  if (stats?.isFIFO()) return 'a FIFO';
  if (stats?.isSocket()) return 'a socket';
  return 'not a regular file';
}
