// The bounded LZW decoder (lzw.ts) as geotiff's decoder for compression 5, in place of geotiff's
// own unbounded one: installBoundedLzw() registers it in the geotiff module of the realm that
// calls it, which is the slide worker and Node (decoder-registry.ts) and each worker of the
// LZW decoder pool (geotiff-decoder-worker.ts).

import { addDecoder, BaseDecoder } from 'geotiff';
import { Compression } from '../tiff-tags';
import { decodeLzw } from './lzw';

type Parameters = BaseDecoder['parameters'];

/** The bytes one block (tile or strip) decodes to: its rows of samples, before the predictor. */
export function blockBytes(p: Parameters): number {
  const bits = p.bitsPerSample;
  const perSample: number[] =
    typeof bits === 'number'
      ? Array(p.samplesPerPixel ?? 1).fill(bits)
      : Array.from(bits as ArrayLike<number>);
  const rowBits = p.planarConfiguration === 2 ? perSample[0] : perSample.reduce((a, b) => a + b, 0);
  return Math.ceil((p.tileWidth * rowBits) / 8) * p.tileHeight;
}

export class BoundedLzwDecoder extends BaseDecoder {
  override decodeBlock(buffer: ArrayBufferLike): ArrayBufferLike {
    const out = decodeLzw(new Uint8Array(buffer), blockBytes(this.parameters));
    return out.byteLength === out.buffer.byteLength ? out.buffer : out.slice().buffer;
  }
}

let installed = false;

/** Makes geotiff's getDecoder(5) (and so its Pool's workers) use BoundedLzwDecoder. Idempotent. */
export function installBoundedLzw(): void {
  if (installed) return;
  installed = true;
  addDecoder(Compression.Lzw, async () => BoundedLzwDecoder);
}
