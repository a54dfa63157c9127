/**
 * The page's worker: runs fuse-msda on the chosen files (reads, the pass and the encoding all
 * happen here, so the page stays responsive) and draws site pictures on request.
 */
import { type FuseJobOptions, OnnxSurgeonError, SitePictures, runFuseJob } from '../src/web/index.js';
import type { FromWorker, ToWorker } from './messages.js';

const scope = self as unknown as { onmessage: ((event: MessageEvent<ToWorker>) => void) | null; postMessage(message: FromWorker): void };
let pictures: SitePictures | undefined;

scope.onmessage = (event) => {
  const message = event.data;
  try {
    if (message.type === 'fuse') fuse(message.model, message.data, message.options);
    else if (pictures) scope.postMessage({ type: 'picture', index: message.index, ...pictures.site(message.index) });
  } catch (error) {
    scope.postMessage({ type: 'error', message: errorLine(error) });
  }
};

function fuse(model: File, data: File[], options: FuseJobOptions): void {
  pictures = undefined;
  const start = performance.now();
  let posted = 0;
  const job = runFuseJob(model, data, options, (phase, done, total) => {
    const fraction = phase === 'load' ? 0.1 * (done / total) : phase === 'fuse' ? 0.1 + 0.8 * (total ? done / total : 1) : 0.9 + 0.1 * (done / total);
    const now = performance.now();
    if (now - posted > 50 || done === total) {
      posted = now;
      scope.postMessage({ type: 'progress', phase, fraction });
    }
  });
  pictures = new SitePictures(job);
  scope.postMessage({
    type: 'done', report: job.report, reportJson: job.reportJson, summary: job.summary,
    model: job.files.model, ...(job.files.data ? { data: job.files.data } : {}), ms: performance.now() - start,
  });
}

function errorLine(error: unknown): string {
  if (error instanceof OnnxSurgeonError) return error.message;
  return `internal error: ${error instanceof Error ? error.message : String(error)}`;
}
