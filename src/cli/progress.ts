// A progress bar on stderr for long CLI work. It appears only after `delayMs` (short work stays quiet) and only
// on a terminal, unless forced; it never writes to stdout, so `--json` output stays one object.
export interface ProgressBar {
  update(fraction: number, label?: string): void;
  done(): void;
}

export function progressBar(
  title: string,
  options: { delayMs?: number; force?: boolean; now?: () => number } = {},
): ProgressBar {
  const now = options.now ?? (() => performance.now());
  const started = now();
  const delay = options.delayMs ?? 1000;
  const enabled = options.force ?? Boolean(process.stderr.isTTY);
  let shown = false;
  let lastDraw = 0;
  const width = 30;
  return {
    update(fraction: number, label = '') {
      if (!enabled) return;
      const t = now();
      if (t - started < delay || t - lastDraw < 100) return;
      lastDraw = t;
      shown = true;
      const clamped = Math.max(0, Math.min(1, fraction));
      const filled = Math.round(clamped * width);
      process.stderr.write(
        `\r${title} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(clamped * 100).toFixed(0).padStart(3)}% ${label}`,
      );
    },
    done() {
      if (shown)
        process.stderr.write(`\r${title} [${'#'.repeat(width)}] 100% ${((now() - started) / 1000).toFixed(1)} s\n`);
    },
  };
}
