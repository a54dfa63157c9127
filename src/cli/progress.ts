/**
 * A small progress display on stderr for long loads, saves and passes. Drawn only for a person
 * watching a terminal: when stderr is not a TTY (CI logs, pipes) or the user asked for `--quiet`
 * or `--json`, it prints nothing at all, so logs and machine-readable output stay clean.
 */

/** Where and whether to draw. */
export interface ProgressOptions {
  /** Usually `process.stderr`; drawing happens only when `isTTY` is true. */
  stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** `--quiet` given. */
  quiet?: boolean;
  /** `--json` given. */
  json?: boolean;
}

/** A progress display; every method is a no-op when progress is disabled. */
export interface Progress {
  /** True when something will be drawn. */
  readonly enabled: boolean;
  /** Shows `label…` for a step without a known length (loading, saving). */
  step(label: string): void;
  /** Redraws a bar: `label [#####-----] done/total`. */
  update(label: string, done: number, total: number): void;
  /** Clears the line (call before printing results). */
  clear(): void;
}

const BAR_WIDTH = 24;

/** True when progress should be drawn for these options. */
export function progressEnabled(options: ProgressOptions): boolean {
  return Boolean(options.stream.isTTY) && !options.quiet && !options.json;
}

/**
 * Creates a progress display.
 *
 * @example
 * ```ts
 * const progress = createProgress({ stream: process.stderr, quiet: opts.quiet, json: opts.json });
 * progress.step('loading model.onnx');
 * fuseMsda(model, { onProgress: (done, total) => progress.update('fusing', done, total) });
 * progress.clear();
 * ```
 */
export function createProgress(options: ProgressOptions): Progress {
  const enabled = progressEnabled(options);
  const stream = options.stream;
  let drawn = false;
  const draw = (text: string): void => {
    const width = Math.max(20, (stream.columns ?? 80) - 1);
    stream.write(`\r\x1b[2K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
    drawn = true;
  };
  return {
    enabled,
    step(label) {
      if (enabled) draw(`${label}…`);
    },
    update(label, done, total) {
      if (!enabled) return;
      const fraction = total > 0 ? Math.min(1, Math.max(0, done / total)) : 1;
      const filled = Math.round(fraction * BAR_WIDTH);
      draw(`${label} [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${done}/${total}`);
    },
    clear() {
      if (enabled && drawn) stream.write('\r\x1b[2K');
      drawn = false;
    },
  };
}
