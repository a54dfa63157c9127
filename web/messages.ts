/** What the page and its worker say to each other. */
import type { FuseJobOptions, FuseMsdaCliReport } from '../src/web/index.js';

/** Page -> worker. */
export type ToWorker =
  | { type: 'fuse'; model: File; data: File[]; options: FuseJobOptions }
  | { type: 'picture'; index: number };

/** Worker -> page. */
export type FromWorker =
  | { type: 'progress'; phase: 'load' | 'fuse' | 'encode'; fraction: number }
  | {
      type: 'done'; report: FuseMsdaCliReport; reportJson: string; summary: string;
      model: Blob; data?: { name: string; blob: Blob }; ms: number;
    }
  | { type: 'picture'; index: number; before: string; after?: string }
  | { type: 'error'; message: string };
