/**
 * Finding shared libraries by file name. TensorRT's tar and deb packages ship the unversioned
 * development symlink (`libnvinfer.so`), but pip wheels ship only sonames (`libnvinfer.so.10`),
 * so `-lnvinfer` cannot be relied on: the driver links against the exact file it found.
 */
import { readdirSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** True if `fileName` is `lib<stem>.so` or `lib<stem>.so.<digits>[.<digits>...]`. */
export function isLibraryFile(fileName: string, stem: string): boolean {
  const escaped = stem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^lib${escaped}\\.so(\\.\\d+)*$`).test(fileName);
}

/** Entries of a directory, or an empty list when it does not exist or cannot be read. */
export function listDirectory(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Path of `lib<stem>.so*` in `dir`: the unversioned name when present, else the shortest
 * versioned one (the soname, e.g. `libnvinfer.so.10`). Undefined when there is none.
 */
export function findLibrary(dir: string, stem: string): string | undefined {
  const matches = listDirectory(dir).filter((name) => isLibraryFile(name, stem));
  if (!matches.length) return undefined;
  matches.sort((a, b) => a.length - b.length || a.localeCompare(b));
  return join(dir, matches[0]!);
}

/**
 * Major version encoded in a library's file name (`libnvinfer.so.10.3.0` -> 10). For the
 * unversioned name, the file it links to is used, else the versioned siblings in its folder
 * (`libnvinfer.so.10` next to `libnvinfer.so`) when they agree on one major; undefined otherwise.
 */
export function libraryMajorVersion(file: string): number | undefined {
  const fromName = (name: string): number | undefined => {
    const match = /\.so\.(\d+)/.exec(name);
    return match ? Number(match[1]) : undefined;
  };
  const direct = fromName(basename(file));
  if (direct !== undefined) return direct;
  try {
    const target = fromName(basename(realpathSync(file)));
    if (target !== undefined) return target;
  } catch {
    // A dangling link: fall through to the siblings.
  }
  const prefix = `${basename(file)}.`;
  const majors = new Set(listDirectory(dirname(file))
    .filter((name) => name.startsWith(prefix) && /^\d+(\.\d+)*$/.test(name.slice(prefix.length)))
    .map((name) => fromName(name)));
  return majors.size === 1 ? [...majors][0] : undefined;
}
