import { describe, expect, it } from 'vitest';
import { createProgress, progressEnabled } from '../../src/cli/progress.js';
import { captureIo } from './helpers.js';

describe('progress', () => {
  it('prints nothing when stderr is not a TTY', () => {
    const io = captureIo(false);
    const progress = createProgress({ stream: io.stderr });
    progress.step('loading');
    progress.update('fusing', 1, 2);
    progress.clear();
    expect(progress.enabled).toBe(false);
    expect(io.err()).toBe('');
  });

  it('prints nothing on a TTY with --quiet or --json', () => {
    for (const flags of [{ quiet: true }, { json: true }]) {
      const io = captureIo(true);
      const progress = createProgress({ stream: io.stderr, ...flags });
      progress.update('fusing', 1, 2);
      progress.clear();
      expect(io.err()).toBe('');
    }
  });

  it('draws a bar on a TTY and clears it', () => {
    const io = captureIo(true);
    const progress = createProgress({ stream: io.stderr });
    progress.update('fusing', 1, 4);
    expect(io.err()).toContain('fusing [######------------------] 1/4');
    progress.update('fusing', 4, 4);
    expect(io.err()).toContain(`[${'#'.repeat(24)}] 4/4`);
    progress.clear();
    expect(io.err().endsWith('\r\x1b[2K')).toBe(true);
  });

  it('is enabled only for a TTY without quiet/json', () => {
    expect(progressEnabled({ stream: { isTTY: true } as NodeJS.WritableStream & { isTTY: boolean } })).toBe(true);
    expect(progressEnabled({ stream: { isTTY: undefined } as unknown as NodeJS.WritableStream })).toBe(false);
  });
});
