// JPEG 2000 tiles of Aperio slides (compression 33003: YCbCr components, 33005: RGB) through the
// OpenJPEG WebAssembly build. Loaded lazily: most slides never need it.

import { SlideError } from '../slide-error';

interface FrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
}
interface J2KDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  getFrameInfo(): FrameInfo;
  delete?(): void;
}
interface OpenJpegModule {
  J2KDecoder: new () => J2KDecoder;
}

let modulePromise: Promise<OpenJpegModule> | null = null;

/** `wasmUrl`: where the browser finds openjpegwasm_decode.wasm (Node finds it next to the JS). */
function loadOpenJpeg(wasmUrl?: string): Promise<OpenJpegModule> {
  modulePromise ??= import('@cornerstonejs/codec-openjpeg/decodewasmjs').then(async (m) => {
    const factory = ((m as { default?: unknown }).default ?? m) as (opts: object) => Promise<OpenJpegModule>;
    // OpenJPEG logs every header it reads; keep the console for real problems.
    const quiet = { print: () => {}, printErr: () => {} };
    return factory(
      wasmUrl ? { ...quiet, locateFile: (f: string) => (f.endsWith('.wasm') ? wasmUrl : f) } : quiet,
    );
  });
  return modulePromise;
}

export interface DecodedSamples {
  width: number;
  height: number;
  components: number;
  /** interleaved 8-bit samples */
  data: Uint8Array;
}

export async function decodeJpeg2000(
  bytes: Uint8Array,
  ycbcr: boolean,
  wasmUrl?: string,
): Promise<DecodedSamples> {
  const lib = await loadOpenJpeg(wasmUrl);
  const decoder = new lib.J2KDecoder();
  try {
    decoder.getEncodedBuffer(bytes.byteLength).set(bytes);
    decoder.decode();
    const info = decoder.getFrameInfo();
    // a damaged header makes decode() log and return with an empty frame rather than throw
    if (!(info.width > 0 && info.height > 0 && info.componentCount > 0)) {
      throw new SlideError(
        'decode-failed',
        'A JPEG 2000 tile could not be decoded: its codestream header is damaged.',
      );
    }
    if (info.bitsPerSample !== 8) {
      throw new SlideError(
        'unsupported-pixels',
        `A JPEG 2000 tile has ${info.bitsPerSample}-bit samples; only 8-bit is supported.`,
      );
    }
    const data = decoder.getDecodedBuffer().slice();
    if (ycbcr && info.componentCount === 3) ycbcrToRgbInPlace(data);
    return { width: info.width, height: info.height, components: info.componentCount, data };
  } catch (e) {
    if (e instanceof SlideError) throw e;
    throw new SlideError(
      'decode-failed',
      `A JPEG 2000 tile could not be decoded: ${String((e as Error)?.message ?? e)}.`,
      {
        cause: e,
      },
    );
  } finally {
    decoder.delete?.();
  }
}

/** JFIF full-range YCbCr → RGB, as OpenSlide does for Aperio 33003. */
export function ycbcrToRgbInPlace(d: Uint8Array): void {
  for (let i = 0; i + 2 < d.length; i += 3) {
    const y = d[i];
    const cb = d[i + 1] - 128;
    const cr = d[i + 2] - 128;
    d[i] = clamp(y + 1.402 * cr);
    d[i + 1] = clamp(y - 0.344136 * cb - 0.714136 * cr);
    d[i + 2] = clamp(y + 1.772 * cb);
  }
}

function clamp(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}
