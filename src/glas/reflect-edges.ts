// Edge handling for images smaller than a patch's field of view (GlaS: 480×324 µm, a context patch
// 238 µm wide at 2.48 µm/px): "pad" is the reader's own white outside the image, as the viewer shows
// it; "reflect" mirrors the image into that margin (OpenCV's BORDER_REFLECT_101: the edge pixel is
// not repeated), for training data and evaluation. Pixels whose centre lies inside the image are
// the reader's own in both modes, so the two differ only outside.

import type { RegionRequest, RgbaImage, SlideSource } from '../slide/slide-types';

export type EdgeMode = 'pad' | 'reflect';

export function isEdgeMode(value: unknown): value is EdgeMode {
  return value === 'pad' || value === 'reflect';
}

/** Index `p` mirrored into [0, n) (…, 2, 1, [0, 1, …, n−1], n−2, …), for any overshoot. */
export function reflectIndex(p: number, n: number): number {
  if (n <= 1) return 0;
  const period = 2 * (n - 1);
  const m = ((p % period) + period) % period;
  return m < n ? m : period - m;
}

/** `source` as `edge` reads past its edges: itself for "pad", reflectEdges for "reflect". */
export function withEdges(source: SlideSource, edge: EdgeMode): SlideSource {
  return edge === 'reflect' ? reflectEdges(source) : source;
}

/**
 * `source` with its reads mirrored past the image's edges. Outside pixels are sampled from one read
 * of the whole image at the request's downsample (kept per downsample: meant for small images).
 */
export function reflectEdges(source: SlideSource): SlideSource {
  const { width: W, height: H } = source.metadata;
  const wholes = new Map<number, Promise<RgbaImage>>();
  const whole = (d: number, signal?: AbortSignal) => {
    let p = wholes.get(d);
    if (!p) {
      p = source.readRegion({
        x: 0,
        y: 0,
        width: Math.ceil(W / d),
        height: Math.ceil(H / d),
        downsample: d,
        signal,
      });
      // a failed or aborted read is not kept
      p.catch(() => wholes.delete(d));
      wholes.set(d, p);
    }
    return p;
  };
  const inside = (r: RegionRequest) =>
    r.x >= 0 && r.y >= 0 && r.x + r.width * r.downsample <= W && r.y + r.height * r.downsample <= H;
  return {
    metadata: source.metadata,
    getTile: (request) => source.getTile(request),
    readAssociated: source.readAssociated?.bind(source),
    close: () => source.close(),
    async readRegion(r: RegionRequest): Promise<RgbaImage> {
      const plain = await source.readRegion(r);
      if (inside(r)) return plain;
      const d = r.downsample;
      const full = await whole(d, r.signal);
      const out = new Uint8ClampedArray(plain.data);
      for (let j = 0; j < plain.height; j++) {
        const y = Math.floor(r.y + (j + 0.5) * d);
        const yIn = y >= 0 && y < H;
        const fy = Math.min(full.height - 1, Math.floor(reflectIndex(y, H) / d));
        for (let i = 0; i < plain.width; i++) {
          const x = Math.floor(r.x + (i + 0.5) * d);
          if (yIn && x >= 0 && x < W) continue;
          const fx = Math.min(full.width - 1, Math.floor(reflectIndex(x, W) / d));
          const o = (j * plain.width + i) * 4;
          const s = (fy * full.width + fx) * 4;
          out[o] = full.data[s];
          out[o + 1] = full.data[s + 1];
          out[o + 2] = full.data[s + 2];
          out[o + 3] = full.data[s + 3];
        }
      }
      return { width: plain.width, height: plain.height, data: out };
    },
  };
}
