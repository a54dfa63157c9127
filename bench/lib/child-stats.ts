/**
 * Preloaded into a measured `node` child (`node --import .../child-stats.js ...`): when
 * `BENCH_STATS_FILE` is set, the child writes its peak RSS (`VmHWM`), CPU time and garbage
 * collection time there as JSON when it exits. This lets a benchmark time the real CLI bin as
 * users run it and still read what the process used (a parent cannot read a child's VmHWM after
 * it exits). Costs one small module import and a GC observer.
 */
import { writeFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { peakRssBytes } from './peak-rss.js';

/** What a measured child writes. */
export interface ChildStats {
  maxRssBytes: number;
  cpuMs: number;
  gcMs: number;
}

const target = process.env.BENCH_STATS_FILE;
if (target) {
  let gcMs = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMs += entry.duration;
  });
  observer.observe({ entryTypes: ['gc'] });
  process.on('exit', () => {
    for (const entry of observer.takeRecords()) gcMs += entry.duration;
    const cpu = process.cpuUsage();
    const stats: ChildStats = { maxRssBytes: peakRssBytes(), cpuMs: (cpu.user + cpu.system) / 1000, gcMs };
    writeFileSync(target, JSON.stringify(stats));
  });
}
