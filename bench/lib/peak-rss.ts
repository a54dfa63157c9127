import { readFileSync } from 'node:fs';

/**
 * Peak resident memory of this process, in bytes. Reads `VmHWM` from /proc: `ru_maxrss` (what
 * `process.resourceUsage().maxRSS` returns) also counts the parent's memory at fork time on Linux,
 * so a child spawned by a benchmark that has just built a 600 MB model would report at least that.
 */
export function peakRssBytes(): number {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]) * 1024;
  } catch {
    // Not Linux: fall back below.
  }
  return process.resourceUsage().maxRSS * 1024;
}
