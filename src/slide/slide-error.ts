// Every failure the slide layer can explain to a person is a SlideError: `code` for programs,
// `message` as a sentence a UI can show as it is.

export type SlideErrorCode =
  | 'empty-file'
  | 'not-tiff'
  | 'unsupported-format'
  | 'unsupported-compression'
  | 'unsupported-pixels'
  | 'striped-only'
  | 'truncated'
  | 'corrupt'
  | 'ifd-cycle'
  | 'too-many-ifds'
  | 'tag-limit'
  | 'dimension-limit'
  | 'allocation-limit'
  | 'timeout'
  | 'decode-failed'
  | 'http-status'
  | 'range-unsupported'
  | 'network'
  | 'cors'
  | 'closed'
  | 'bad-request';

export class SlideError extends Error {
  readonly code: SlideErrorCode;
  override readonly name = 'SlideError';

  constructor(code: SlideErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function isSlideError(e: unknown): e is SlideError {
  return (
    e instanceof SlideError || (typeof e === 'object' && e !== null && (e as Error).name === 'SlideError')
  );
}

/** Aborts surface as the standard DOMException named 'AbortError' (what fetch does too). */
export function isAbortError(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as Error).name === 'AbortError';
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

export function abortError(signal?: AbortSignal): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  return new DOMException('The operation was aborted.', 'AbortError');
}
