// A progress bar on stderr for long CLI work. It appears only after `delayMs` (short work stays quiet); on a
// terminal (or forced) it redraws in place with an ETA, elsewhere (CI logs, pipes) it prints a plain line every
// `plainEveryMs`. It never writes to stdout, so `--json` output stays one object.
export interface ProgressBar {
  update(fraction: number, label?: string): void;
  done(): void;
}

export function progressBar(
  title: string,
  options: {
    delayMs?: number;
    force?: boolean;
    now?: () => number;
    /** Not a terminal: a plain line this often (default 10 s, or SUPERFACTORY_PROGRESS_EVERY_MS), the first one after this long too. */
    plainEveryMs?: number;
    write?: (text: string) => void;
  } = {},
): ProgressBar {
  const now = options.now ?? (() => performance.now());
  const write = options.write ?? ((text: string) => process.stderr.write(text));
  const started = now();
  const delay = options.delayMs ?? 1000;
  const tty = options.force ?? Boolean(process.stderr.isTTY);
  const plainEvery = options.plainEveryMs ?? (Number(process.env.SUPERFACTORY_PROGRESS_EVERY_MS) || 10_000);
  let shown = false;
  let lastDraw = 0;
  const width = 30;
  return {
    update(fraction: number, label = '') {
      const t = now();
      const elapsed = t - started;
      if (tty ? elapsed < delay || t - lastDraw < 100 : elapsed < plainEvery || t - lastDraw < plainEvery) return;
      lastDraw = t;
      shown = true;
      const clamped = Math.max(0, Math.min(1, fraction));
      const pct = `${(clamped * 100).toFixed(0).padStart(3)}%`;
      const eta = etaText(elapsed, clamped);
      if (!tty) {
        write(
          `${title}: ${pct.trim()} ${label ? `${label}, ` : ''}${formatDuration(elapsed)} elapsed${eta ? `, ${eta}` : ''}\n`,
        );
        return;
      }
      const filled = Math.round(clamped * width);
      // Pad so a shorter line fully covers the previous one.
      write(
        `\r${title} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${pct} ${label}${eta ? ` ${eta}` : ''}`.padEnd(
          100,
        ),
      );
    },
    done() {
      if (!shown) return;
      const took = ((now() - started) / 1000).toFixed(1);
      write(
        tty ? `\r${`${title} [${'#'.repeat(width)}] 100% ${took} s`.padEnd(100)}\n` : `${title}: done in ${took} s\n`,
      );
    },
  };
}

/** "ETA 1m 05s" from the time so far and the fraction done; empty while too little is done to tell. */
export function etaText(elapsedMs: number, fraction: number): string {
  if (fraction < 0.01 || fraction >= 1) return '';
  return `ETA ${formatDuration((elapsedMs * (1 - fraction)) / fraction)}`;
}

/** "42 s", "3m 05s", "2h 10m". */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
