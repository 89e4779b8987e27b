// Target/context patch pairs with their masks, for training. Reads through any SlideSource and
// places both patches with patch-geometry.ts, the same code the in-browser inference uses.

import { contextRegion, type PatchGeometry, type Point, targetRegion } from '../geometry/patch-geometry';
import type { RegionRequest, RgbaImage, SlideSource } from '../slide/slide-types';
import type { AnnotationRegion } from './annotation-types';
import { rasterise } from './rasterise';

export interface PatchPair {
  center: Point;
  /** RGB, HWC, targetSize² × 3 */
  target: Uint8Array;
  context: Uint8Array;
  /** 0/1, targetSize² (at the target mpp) */
  targetMask: Uint8Array;
  /** 0/1, contextSize² (at the context mpp) */
  contextMask: Uint8Array;
}

/** Bytes of one record in a shard: target RGB, context RGB, target mask, context mask. */
export function recordBytes(g: PatchGeometry): number {
  const t = g.targetSize * g.targetSize;
  const c = (g.contextSize ?? 0) ** 2;
  return t * 3 + c * 3 + t + c;
}

/**
 * The manifest's description of one record: the byte layout `packPair` writes, field by field.
 * `maskMeaning` says what the mask values are (tumour 0/1, or the GlaS classes).
 */
export function recordLayout(g: PatchGeometry, maskMeaning: string, contextMaskMeaning = maskMeaning) {
  const t = g.targetSize;
  const c = g.contextSize ?? 0;
  return {
    bytes: recordBytes(g),
    fields: [
      { name: 'target', offset: 0, shape: [t, t, 3], dtype: 'uint8', meaning: `RGB at ${g.targetMpp} µm/px` },
      {
        name: 'context',
        offset: t * t * 3,
        shape: [c, c, 3],
        dtype: 'uint8',
        meaning: `RGB at ${g.contextMpp} µm/px, same centre`,
      },
      {
        name: 'target_mask',
        offset: t * t * 3 + c * c * 3,
        shape: [t, t],
        dtype: 'uint8',
        meaning: maskMeaning,
      },
      {
        name: 'context_mask',
        offset: t * t * 3 + c * c * 3 + t * t,
        shape: [c, c],
        dtype: 'uint8',
        meaning: contextMaskMeaning,
      },
    ],
  };
}

export function slideMppOrThrow(source: SlideSource, override?: number): number {
  if (override !== undefined) {
    if (!(override > 0)) throw new Error(`--mpp must be positive (got ${override})`);
    return override;
  }
  const mpp = source.metadata.mpp;
  if (mpp === null || !(mpp > 0)) {
    throw new Error(
      `${source.metadata.name} does not record its resolution (µm per pixel); patches cannot be placed at a ` +
        'physical scale. Pass it explicitly (e.g. --mpp 0.25).',
    );
  }
  return mpp;
}

function rgbOf(img: RgbaImage): Uint8Array {
  const n = img.width * img.height;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    out[i * 3] = img.data[i * 4];
    out[i * 3 + 1] = img.data[i * 4 + 1];
    out[i * 3 + 2] = img.data[i * 4 + 2];
  }
  return out;
}

function maskOf(regions: AnnotationRegion[], r: RegionRequest): Uint8Array {
  return rasterise(regions, { x: r.x, y: r.y, width: r.width, height: r.height, downsample: r.downsample });
}

export async function extractPair(
  source: SlideSource,
  regions: AnnotationRegion[],
  center: Point,
  g: PatchGeometry,
  slideMpp: number,
  signal?: AbortSignal,
): Promise<PatchPair> {
  const t = targetRegion(center, g, slideMpp);
  const c = contextRegion(center, g, slideMpp);
  const [ti, ci] = await Promise.all([
    source.readRegion({ ...t, signal }),
    source.readRegion({ ...c, signal }),
  ]);
  return {
    center,
    target: rgbOf(ti),
    context: rgbOf(ci),
    targetMask: maskOf(regions, t),
    contextMask: maskOf(regions, c),
  };
}

/** Writes a pair into a shard buffer at record `index` (layout: see recordBytes). */
export function packPair(pair: PatchPair, g: PatchGeometry, out: Uint8Array, index: number): void {
  let o = index * recordBytes(g);
  for (const part of [pair.target, pair.context, pair.targetMask, pair.contextMask]) {
    out.set(part, o);
    o += part.length;
  }
}
