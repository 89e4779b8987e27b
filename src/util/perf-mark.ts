// Named points on the page's (or a worker's) performance timeline, for the press-h breakdown
// (bench/press-h.ts reads the `mrn:` marks back). A missing or full timeline is not an error.

export const MARK_PREFIX = 'mrn:';

export function perfMark(name: string): void {
  try {
    globalThis.performance?.mark?.(MARK_PREFIX + name);
  } catch {
    // no User Timing here (old runtime) or the buffer is full: marks are diagnostics only
  }
}
