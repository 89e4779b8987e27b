// What slide-worker.ts exposes over comlink, and the error handling both ends share.

import * as Comlink from 'comlink';
import type { SlideLimits } from './slide-limits';
import type { SlideStats } from './slide-reader';
import type { AssociatedRequest, RegionRequest, RgbaImage, SlideMetadata, TileRequest } from './slide-types';

export type TileFormatWanted = 'bitmap' | 'rgba';

export interface WorkerOpenOptions {
  limits?: Partial<SlideLimits>;
  name?: string;
  /** decode LZW in geotiff's worker pool (default true; false: in the slide worker) */
  decoderPool?: boolean;
  /** DICOMweb bearer token (memory only) */
  bearerToken?: string;
  /** URLs: coalesce neighbouring range reads (default true) */
  coalesce?: boolean;
  /** the viewer's size in device pixels: its home view's tiles are read and decoded at once,
   *  before the viewer asks (home-view-tiles.ts) */
  prefetchView?: { width: number; height: number };
}

export interface SlideWorkerApi {
  open(input: Blob | Blob[] | string, options: WorkerOpenOptions, callId: number): Promise<SlideMetadata>;
  getTile(
    req: Omit<TileRequest, 'signal'>,
    as: TileFormatWanted,
    callId: number,
  ): Promise<ImageBitmap | RgbaImage>;
  readRegion(req: Omit<RegionRequest, 'signal'>, callId: number): Promise<RgbaImage>;
  readAssociated(req: Omit<AssociatedRequest, 'signal'>, callId: number): Promise<RgbaImage>;
  stats(): SlideStats | null;
  /** aborts the call with this id (the client's AbortSignal fired) */
  abort(callId: number): void;
  close(): void;
}

/** Errors cross the worker boundary with name, message and SlideError's `code` intact. */
export function installErrorHandler(): void {
  Comlink.transferHandlers.set('throw', {
    canHandle: (v: unknown): v is { value: unknown } =>
      typeof v === 'object' &&
      v !== null &&
      Object.getOwnPropertySymbols(v).some((s) => s.description === 'Comlink.thrown'),
    serialize(v: { value: unknown }) {
      const e = v.value as { message?: string; name?: string; code?: string; stack?: string } | undefined;
      const isError = typeof e === 'object' && e !== null && typeof e.message === 'string';
      const value = isError ? { message: e.message, name: e.name, code: e.code, stack: e.stack } : v.value;
      return [{ isError, value }, []];
    },
    deserialize(s: { isError: boolean; value: { message: string; name?: string; code?: string } }) {
      if (s.isError) throw Object.assign(new Error(s.value.message), s.value);
      throw s.value;
    },
  } as Comlink.TransferHandler<unknown, unknown>);
}
