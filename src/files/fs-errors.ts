/** File system errors as `io` {@link OnnxSurgeonError}s with a reason a user can read. */

import { OnnxSurgeonError } from '../errors.js';

/** Wraps a Node fs error into an `io` OnnxSurgeonError with a readable reason. */
export function ioError(error: unknown, path: string, what: string): OnnxSurgeonError {
  if (error instanceof OnnxSurgeonError) return new OnnxSurgeonError(error.code, error.detail, { ...error.context, file: path }, { cause: error });
  return new OnnxSurgeonError('io', `${what}: ${fsReason(error)}`, { file: path }, { cause: error });
}

/** The reason of a Node fs error in words ('no such file or directory', 'permission denied', ...). */
export function fsReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT': return 'no such file or directory';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EISDIR': return 'is a directory';
    case 'ENOTDIR': return 'a part of the path is not a folder';
    case 'ENOSPC': return 'no space left on device';
    case 'EROFS': return 'read-only file system';
    case 'ENAMETOOLONG': return 'file name too long';
    case 'ERR_FS_FILE_TOO_LARGE': return 'file too large to read at once (over 2 GiB)';
    default: return error instanceof Error ? error.message : String(error);
  }
}
