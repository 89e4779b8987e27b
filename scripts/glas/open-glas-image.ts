// Node only: opens a GlaS PNG through the app's own slide reader (src/slide/open-slide.ts), so
// training, evaluation and the viewer see the same pixels. Until the reader takes plain images,
// the PNG is first rewritten losslessly (sharp, uncompressed tiled TIFF, same pixels) into the OS
// temp folder and that file is opened; `via` says which path was taken.

import { openAsBlob } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { createSharpJpegDecoder } from '../../src/slide/decoders/node/jpeg-sharp';
import { openSlide } from '../../src/slide/open-slide';
import type { SlideSource } from '../../src/slide/slide-types';

export interface OpenedImage {
  source: SlideSource;
  via: 'png' | 'tiff-copy';
  close(): Promise<void>;
}

export async function openGlasImage(file: string, signal?: AbortSignal): Promise<OpenedImage> {
  const name = basename(file);
  const jpegDecoder = createSharpJpegDecoder();
  try {
    const source = await openSlide(await openAsBlob(file), { name, jpegDecoder, signal });
    return { source, via: 'png', close: async () => source.close() };
  } catch {
    // not (yet) a format the reader opens: a lossless TIFF copy
  }
  const dir = await mkdtemp(join(tmpdir(), 'glas-tiff-'));
  const tiff = join(dir, `${name}.tiff`);
  await sharp(file)
    .removeAlpha()
    .tiff({ tile: true, tileWidth: 256, tileHeight: 256, compression: 'none' })
    .toFile(tiff);
  const source = await openSlide(await openAsBlob(tiff), { name, jpegDecoder, signal });
  return {
    source,
    via: 'tiff-copy',
    close: async () => {
      source.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
