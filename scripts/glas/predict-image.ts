// Runs a multi-channel patch model over one whole image, tiled exactly as the viewer tiles
// (patch-geometry's planPatchGrid: grid anchored at the origin, each patch keeps its centre,
// `margin` px cropped on every side, kept parts abut), and stitches every output channel into a
// map at the model's target mpp. Reads go through the slide reader (white outside the image).

import { type InputNormalization, writePatch } from '../../src/analysis/patch-input';
import {
  contextRegion,
  type PatchGeometry,
  planPatchGrid,
  targetRegion,
} from '../../src/geometry/patch-geometry';
import type { SlideSource } from '../../src/slide/slide-types';

export interface PatchPredictor {
  batchSize: number;
  channels: number;
  /** inputs: target (and context) NHWC float32 of batchSize patches → batch × size² × channels */
  predict(target: Float32Array, context: Float32Array | null): Promise<Float32Array>;
}

export interface ChannelMaps {
  /** map pixels per side, at the target mpp */
  width: number;
  height: number;
  /** level-0 px per map pixel */
  downsample: number;
  /** one probability map per output channel */
  channels: Float32Array[];
  patches: number;
}

export async function predictImage(
  source: SlideSource,
  slideMpp: number,
  g: PatchGeometry,
  norm: { target: InputNormalization; context?: InputNormalization },
  predictor: PatchPredictor,
  margin: number,
  signal?: AbortSignal,
): Promise<ChannelMaps> {
  const { width: W, height: H } = source.metadata;
  const d = g.targetMpp / slideMpp;
  const width = Math.ceil(W / d);
  const height = Math.ceil(H / d);
  const plan = planPatchGrid({ x: 0, y: 0, width: W, height: H }, g, slideMpp, margin);
  const channels = Array.from({ length: predictor.channels }, () => new Float32Array(width * height));
  const size = g.targetSize;
  const cs = g.contextSize ?? 0;
  const hasContext = g.contextSize !== undefined;
  const B = predictor.batchSize;
  const t = new Float32Array(B * size * size * 3);
  const c = hasContext ? new Float32Array(B * cs * cs * 3) : null;
  for (let b0 = 0; b0 < plan.length; b0 += B) {
    signal?.throwIfAborted();
    const group = plan.slice(b0, b0 + B);
    t.fill(0);
    c?.fill(0);
    await Promise.all(
      group.map(async (p, k) => {
        writePatch(
          await source.readRegion({ ...targetRegion(p.center, g, slideMpp), signal }),
          t,
          k,
          norm.target,
        );
        if (c) {
          const img = await source.readRegion({ ...contextRegion(p.center, g, slideMpp), signal });
          writePatch(img, c, k, norm.context ?? norm.target);
        }
      }),
    );
    const out = await predictor.predict(t, c);
    const C = predictor.channels;
    group.forEach((p, k) => {
      const base = k * size * size * C;
      for (let j = 0; j < p.keep.height; j++) {
        const v = p.row * p.keep.height + j;
        if (v < 0 || v >= height) continue;
        for (let i = 0; i < p.keep.width; i++) {
          const u = p.col * p.keep.width + i;
          if (u < 0 || u >= width) continue;
          const o = base + ((p.keep.y + j) * size + p.keep.x + i) * C;
          for (let ch = 0; ch < C; ch++) channels[ch][v * width + u] = out[o + ch];
        }
      }
    });
  }
  return { width, height, downsample: d, channels, patches: plan.length };
}

/** A map resampled to the image's own pixels (nearest map pixel under each pixel centre). */
export function toImagePixels(map: Float32Array, m: ChannelMaps, W: number, H: number): Float32Array {
  const out = new Float32Array(W * H);
  for (let y = 0; y < H; y++) {
    const v = Math.min(m.height - 1, Math.floor((y + 0.5) / m.downsample));
    for (let x = 0; x < W; x++) {
      out[y * W + x] = map[v * m.width + Math.min(m.width - 1, Math.floor((x + 0.5) / m.downsample))];
    }
  }
  return out;
}
