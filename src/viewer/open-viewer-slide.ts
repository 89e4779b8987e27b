// How the app opens slides: one worker per slide (parsing and JPEG decoding off the main thread),
// tiles arrive as transferred ImageBitmaps.

import { takeEarlySlideWorker } from '../slide/early-open';
import { openSlideInWorker } from '../slide/slide-client';
import { dicomWebToken } from './dicomweb-token';
import type { SlideOpener, ViewerSlide } from './viewer-slide';

export interface ViewerSlideOptions {
  /** URLs: merge neighbouring tile reads into one range request (default true) */
  coalesce?: boolean;
  /** read the home view's tiles before the viewer asks (default false; the app's deep links) */
  prefetchHome?: boolean;
}

/** The viewer element's size in device pixels (the window's before the stylesheet applies). */
function viewerSize(): { width: number; height: number } {
  const el = document.getElementById('viewer');
  const dpr = window.devicePixelRatio || 1;
  return {
    width: Math.round((el?.clientWidth || window.innerWidth) * dpr),
    height: Math.round((el?.clientHeight || window.innerHeight) * dpr),
  };
}

export const viewerSlideOpener =
  (o: ViewerSlideOptions = {}): SlideOpener =>
  (input, signal) => {
    // a deep link's slide that index.html started opening (early-open.ts): this open takes it over
    const worker = typeof input === 'string' ? takeEarlySlideWorker(input) : null;
    return openSlideInWorker(input, signal, {
      worker: worker ?? undefined,
      terminateWorker: true,
      tileFormat: 'bitmap',
      bearerToken: dicomWebToken() ?? undefined,
      coalesce: o.coalesce,
      prefetchView: o.prefetchHome ? viewerSize() : undefined,
    });
  };

export const openViewerSlide: SlideOpener = viewerSlideOpener();

/**
 * Starts opening `input` now, before the rest of the app's code has loaded (a deep link's slide:
 * the worker starts and the directories are read while the viewer's code downloads). The returned
 * opener hands that open to the first call for the same input, and opens anything else afresh.
 */
export function openEarly(opener: SlideOpener, input: string | null): SlideOpener {
  if (!input) return opener;
  const controller = new AbortController();
  let early: Promise<ViewerSlide> | null = opener(input, controller.signal);
  early.catch(() => {}); // its failure is reported to whoever takes it
  return (asked, signal) => {
    const pending = early;
    early = null;
    if (pending && asked === input) {
      if (signal.aborted) controller.abort(signal.reason);
      else signal.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
      return pending;
    }
    if (pending) {
      controller.abort();
      pending.then(
        (s) => s.close(),
        () => {},
      );
    }
    return opener(asked, signal);
  };
}
