// Node only: opens a GlaS PNG through the app's own slide reader (src/slide/open-slide.ts, its
// plain-image support), so training, evaluation and the viewer see the same pixels. A file the
// reader refuses fails with the reader's own message.

import { openAsBlob } from 'node:fs';
import { basename } from 'node:path';
import { createSharpJpegDecoder } from '../../src/slide/decoders/node/jpeg-sharp';
import { openSlide } from '../../src/slide/open-slide';
import type { SlideSource } from '../../src/slide/slide-types';

export interface OpenedImage {
  source: SlideSource;
  close(): Promise<void>;
}

export async function openGlasImage(file: string, signal?: AbortSignal): Promise<OpenedImage> {
  const source = await openSlide(await openAsBlob(file), {
    name: basename(file),
    jpegDecoder: createSharpJpegDecoder(),
    signal,
  });
  return { source, close: async () => source.close() };
}
