// Limits on an ONNX file converted in the page: checked before the file is read (its size) and
// before any tensor is built (its weights), so a huge file fails with a sentence, not a crash.

import { formatBytes } from '../../util/format-bytes';

export interface ImportLimits {
  /** refuse an .onnx file larger than this (bytes), before reading it */
  maxFileBytes: number;
  /** refuse weights (initialisers) larger than this in total (bytes) */
  maxWeightBytes: number;
}

export const DEFAULT_IMPORT_LIMITS: ImportLimits = {
  maxFileBytes: 512 * 2 ** 20,
  maxWeightBytes: 256 * 2 ** 20,
};

/** The sentence for a file over the size cap (checked from File.size / Content-Length). */
export function fileSizeProblem(bytes: number, limits: ImportLimits): string | null {
  return bytes > limits.maxFileBytes
    ? `the ONNX file is ${formatBytes(bytes)}, over the ${formatBytes(limits.maxFileBytes)} cap`
    : null;
}
