// How the app opens slides: one worker per slide (parsing and JPEG decoding off the main thread),
// tiles arrive as transferred ImageBitmaps.

import { openSlideInWorker } from '../slide/slide-client';
import { dicomWebToken } from './dicomweb-token';
import type { SlideOpener } from './viewer-slide';

export const openViewerSlide: SlideOpener = (input, signal) =>
  openSlideInWorker(input, signal, { tileFormat: 'bitmap', bearerToken: dicomWebToken() ?? undefined });
