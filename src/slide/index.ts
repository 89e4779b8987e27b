// Public surface of the slide layer (pure modules; the worker pair lives in slide-client.ts).

export type { JpegDecoder } from './decoders/jpeg-decoder';
export { defaultJpegDecoder, type OpenSlideOptions, openSlide } from './open-slide';
export { isAbortError, isSlideError, SlideError, type SlideErrorCode } from './slide-error';
export { bestLevelFor } from './slide-levels';
export { DEFAULT_LIMITS, type SlideLimits } from './slide-limits';
export type { SlideReader, SlideStats } from './slide-reader';
export type * from './slide-types';
