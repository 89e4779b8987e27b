// Per-slide progress on stderr: a redrawn bar on a terminal, plain lines otherwise (CI logs, files).
//
// Usage:
//   const report = progressReporter(process.stderr);
//   report.update('slide-1 unet', done, total); report.finish('slide-1 unet', 'done in 12.3 s');

export interface ProgressReporter {
  update(label: string, done: number, total: number): void;
  finish(label: string, message: string): void;
}

/** A bar like `[#####.....]  50%  120/240`. */
export function progressBar(done: number, total: number, width = 30): string {
  const f = total > 0 ? Math.min(1, done / total) : 1;
  const n = Math.round(f * width);
  return `[${'#'.repeat(n)}${'.'.repeat(width - n)}] ${String(Math.round(f * 100)).padStart(3)}%  ${done}/${total}`;
}

export function progressReporter(
  stream: { isTTY?: boolean; write(s: string): unknown },
  options: { lineEveryMs?: number; now?: () => number } = {},
): ProgressReporter {
  const now = options.now ?? (() => performance.now());
  const every = options.lineEveryMs ?? 5000;
  const last = new Map<string, number>();
  if (stream.isTTY) {
    return {
      update: (label, done, total) => stream.write(`\r\x1b[2K${label}  ${progressBar(done, total)}`),
      finish: (label, message) => stream.write(`\r\x1b[2K${label}  ${message}\n`),
    };
  }
  return {
    update: (label, done, total) => {
      const t = now();
      const prev = last.get(label);
      if (prev !== undefined && t - prev < every && done < total) return;
      last.set(label, t);
      stream.write(`${label}: ${done}/${total} patches\n`);
    },
    finish: (label, message) => {
      last.delete(label);
      stream.write(`${label}: ${message}\n`);
    },
  };
}
