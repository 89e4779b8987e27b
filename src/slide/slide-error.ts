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
  | 'bad-request'
  | 'no-pixel-data'
  | 'not-a-slide'
  | 'several-slides'
  | 'unauthorized';

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

// Aborts are the same everywhere (src/util/abort.ts); re-exported for the slide layer's callers.
export { abortError, isAbortError, throwIfAborted } from '../util/abort';
