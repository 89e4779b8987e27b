// JPEG-LS frames (DICOM 1.2.840.10008.1.2.4.80/81) through CharLS's WebAssembly build
// (@cornerstonejs/codec-charls). Loaded lazily: most slides never need it.

import { SlideError } from '../slide-error';
import type { DecodedSamples } from './jp2k-decoder';

interface FrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
}
interface CharlsDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  getFrameInfo(): FrameInfo;
  getInterleaveMode(): number;
  delete?(): void;
}
interface CharlsModule {
  JpegLSDecoder: new () => CharlsDecoder;
}

let modulePromise: Promise<CharlsModule> | null = null;

/** `wasmUrl`: where the browser finds charlswasm_decode.wasm (Node finds it next to the JS). */
export function loadCharls(wasmUrl?: string): Promise<CharlsModule> {
  modulePromise ??= import('@cornerstonejs/codec-charls/decodewasmjs').then(async (m) => {
    const factory = ((m as { default?: unknown }).default ?? m) as (opts: object) => Promise<CharlsModule>;
    const quiet = { print: () => {}, printErr: () => {} };
    return factory(
      wasmUrl ? { ...quiet, locateFile: (f: string) => (f.endsWith('.wasm') ? wasmUrl : f) } : quiet,
    );
  });
  return modulePromise;
}

/** Decodes one JPEG-LS stream to interleaved 8-bit samples (16-bit ones keep their high byte). */
export async function decodeJpegLs(bytes: Uint8Array, wasmUrl?: string): Promise<DecodedSamples> {
  const lib = await loadCharls(wasmUrl);
  const decoder = new lib.JpegLSDecoder();
  try {
    decoder.getEncodedBuffer(bytes.byteLength).set(bytes);
    decoder.decode();
    const info = decoder.getFrameInfo();
    const { width, height, componentCount: c, bitsPerSample } = info;
    if (!(width > 0 && height > 0 && c > 0)) {
      throw new SlideError('decode-failed', 'A JPEG-LS frame could not be decoded: its header is damaged.');
    }
    const raw = decoder.getDecodedBuffer();
    const n = width * height;
    const out = new Uint8Array(n * c);
    const wide = bitsPerSample > 8;
    const sample = (i: number) =>
      wide ? (raw[2 * i] | (raw[2 * i + 1] << 8)) >> (bitsPerSample - 8) : raw[i];
    const mode = c === 1 ? 2 : decoder.getInterleaveMode();
    // 0: one plane per component; 1: each line holds its components one after another; 2: interleaved
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        for (let k = 0; k < c; k++) {
          const i =
            mode === 0
              ? k * n + y * width + x
              : mode === 1
                ? (y * c + k) * width + x
                : (y * width + x) * c + k;
          out[(y * width + x) * c + k] = sample(i);
        }
      }
    }
    return { width, height, components: c, data: out };
  } catch (e) {
    if (e instanceof SlideError) throw e;
    throw new SlideError(
      'decode-failed',
      `A JPEG-LS frame could not be decoded: ${String((e as Error)?.message ?? e)}.`,
      {
        cause: e,
      },
    );
  } finally {
    decoder.delete?.();
  }
}
