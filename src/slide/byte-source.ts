// Random-access bytes of a slide file, wherever it lives (Blob/File, HTTP range, memory).

import { abortError, SlideError } from './slide-error';

export interface ByteSource {
  /** file name or URL, for messages */
  readonly name: string;
  /** total size in bytes when known */
  readonly size: number | null;
  /** Reads [offset, offset+length); returns fewer bytes only at end of file. */
  read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array>;
  /** [offset, end) as a Blob without reading it, where the bytes live in one (a local file) */
  slice?(offset: number, end: number): Blob;
  /** requests sent to the storage so far, where it is remote (HTTP range requests, the probe included) */
  readonly requests?: number;
  close(): void;
}

/** Races `promise` against an abort signal and a deadline, so no read can hang a caller. */
export function withDeadline<T>(
  promise: Promise<T>,
  ms: number,
  signal: AbortSignal | undefined,
  what: string,
): Promise<T> {
  if (signal?.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(
        new SlideError('timeout', `Reading ${what} took longer than ${Math.round(ms / 1000)} s; gave up.`),
      );
    }, ms);
    const onAbort = () => {
      cleanup();
      reject(abortError(signal));
    };
    const cleanup = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        cleanup();
        resolve(v);
      },
      (e: unknown) => {
        cleanup();
        reject(e);
      },
    );
  });
}

export class MemorySource implements ByteSource {
  readonly size: number;
  constructor(
    private bytes: Uint8Array,
    readonly name: string,
  ) {
    this.size = bytes.byteLength;
  }
  async read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    if (signal?.aborted) throw abortError(signal);
    const start = Math.min(offset, this.size);
    return this.bytes.subarray(start, Math.min(this.size, offset + length));
  }
  close(): void {
    this.bytes = new Uint8Array(0);
  }
}

/** Reads a Blob or File in place, one slice at a time (never loads the whole file). */
export class BlobSource implements ByteSource {
  readonly size: number;
  readonly name: string;
  constructor(
    private blob: Blob,
    private readTimeoutMs: number,
  ) {
    this.size = blob.size;
    this.name = (blob as File).name || 'slide';
  }
  async read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    const start = Math.min(offset, this.size);
    const end = Math.min(this.size, offset + length);
    const buf = await withDeadline(
      this.blob.slice(start, end).arrayBuffer(),
      this.readTimeoutMs,
      signal,
      this.name,
    );
    return new Uint8Array(buf);
  }
  slice(offset: number, end: number): Blob {
    return this.blob.slice(offset, end);
  }
  close(): void {}
}
