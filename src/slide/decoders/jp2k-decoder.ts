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
export function loadOpenJpeg(wasmUrl?: string): Promise<OpenJpegModule> {
  // the wrapper module's default is the codec's factory in the bundle and in Node alike
  modulePromise ??= import('./openjpeg-codec').then(async ({ default: factory }) => {
    // OpenJPEG logs every header it reads; keep the console for real problems.
    const quiet = { print: () => {}, printErr: () => {} };
    return factory(
      wasmUrl ? { ...quiet, locateFile: (f: string) => (f.endsWith('.wasm') ? wasmUrl : f) } : quiet,
    ) as Promise<OpenJpegModule>;
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

/** The image size and components a J2K codestream's SIZ marker claims. */
export interface Jpeg2000Size {
  width: number;
  height: number;
  components: number;
}

/**
 * The codestream's SIZ (SOC, then SIZ, as a codestream starts; also inside a JP2 box near the
 * start); null where the bytes hold none.
 */
export function jpeg2000Size(bytes: Uint8Array): Jpeg2000Size | null {
  const end = Math.min(bytes.byteLength - 42, 4096);
  for (let i = 0; i <= end; i++) {
    if (bytes[i] !== 0xff || bytes[i + 1] !== 0x4f || bytes[i + 2] !== 0xff || bytes[i + 3] !== 0x51)
      continue;
    const v = new DataView(bytes.buffer, bytes.byteOffset + i + 4);
    const x = v.getUint32(4);
    const y = v.getUint32(8);
    const x0 = v.getUint32(12);
    const y0 = v.getUint32(16);
    return { width: x - x0, height: y - y0, components: v.getUint16(36) };
  }
  return null;
}

/**
 * Decodes one J2K codestream. `expect`: the tile's or frame's size; a header claiming more
 * pixels is refused before OpenJPEG runs (it would allocate and decode the claimed size first:
 * 40 000² took 1.1 s to fail, 4 000² decoded 64 MB in 0.4 s).
 */
export async function decodeJpeg2000(
  bytes: Uint8Array,
  ycbcr: boolean,
  wasmUrl?: string,
  expect?: { width: number; height: number },
): Promise<DecodedSamples> {
  const size = jpeg2000Size(bytes);
  if (
    size &&
    expect &&
    (size.width > expect.width || size.height > expect.height || size.width <= 0 || size.height <= 0)
  ) {
    throw new SlideError(
      'decode-failed',
      `A JPEG 2000 tile could not be decoded: its header claims ${size.width}×${size.height} pixels, not its ${expect.width}×${expect.height} tile; the file is damaged.`,
    );
  }
  if (size && (size.components < 1 || size.components > 4)) {
    throw new SlideError(
      'decode-failed',
      `A JPEG 2000 tile could not be decoded: its header claims ${size.components} components.`,
    );
  }
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
