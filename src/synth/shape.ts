// Star-shaped outlines of the synthetic slides (tissue, tumours, look-alikes, fat): drawing one,
// its radius in a direction, signed depth of a point, area and the outline as a ring.

import type { Prng } from '../util/prng';

/** A star-shaped outline: radius sampled at `radii.length` equal angle steps from +x. */
export interface RadialShape {
  cx: number;
  cy: number;
  radii: Float64Array;
  minRadius: number;
  maxRadius: number;
}

export function radialShape(
  rng: Prng,
  cx: number,
  cy: number,
  equivRadius: number,
  amplitude: number,
  kMax: number,
  /** radius samples around the outline */
  n: number,
): RadialShape {
  const coef: { k: number; a: number; p: number }[] = [];
  for (let k = 2; k <= kMax; k++)
    coef.push({ k, a: rng.uniform(0.3, 1) / k ** 1.2, p: rng.uniform(0, 2 * Math.PI) });
  const wave = new Float64Array(n);
  let peak = 0;
  for (let i = 0; i < n; i++) {
    const t = (2 * Math.PI * i) / n;
    let s = 0;
    for (const c of coef) s += c.a * Math.cos(c.k * t + c.p);
    wave[i] = s;
    peak = Math.max(peak, Math.abs(s));
  }
  const radii = new Float64Array(n);
  let area = 0;
  for (let i = 0; i < n; i++) {
    radii[i] = 1 + (peak > 0 ? (amplitude * wave[i]) / peak : 0);
    area += 0.5 * radii[i] * radii[i] * ((2 * Math.PI) / n);
  }
  // Scale so the area equals that of a circle of equivRadius.
  const scale = equivRadius / Math.sqrt(area / Math.PI);
  let minRadius = Infinity;
  let maxRadius = 0;
  for (let i = 0; i < n; i++) {
    radii[i] *= scale;
    minRadius = Math.min(minRadius, radii[i]);
    maxRadius = Math.max(maxRadius, radii[i]);
  }
  return { cx, cy, radii, minRadius, maxRadius };
}

/** Outline radius of a shape in the direction of (dx, dy), linearly interpolated. */
export function radiusAt(shape: RadialShape, dx: number, dy: number): number {
  const n = shape.radii.length;
  let t = (Math.atan2(dy, dx) / (2 * Math.PI)) * n;
  if (t < 0) t += n;
  const i = Math.floor(t);
  const f = t - i;
  const a = shape.radii[i % n];
  const b = shape.radii[(i + 1) % n];
  return a + (b - a) * f;
}

/**
 * Signed depth along the ray from the centre: r(θ) − d, positive inside. Exact outside the
 * inscribed circle; inside it, a lower bound.
 */
export function depthInside(shape: RadialShape, x: number, y: number): number {
  const dx = x - shape.cx;
  const dy = y - shape.cy;
  const d = Math.sqrt(dx * dx + dy * dy);
  // Inside the inscribed circle only the sign matters to callers; outside, rims need the real value.
  if (d < shape.minRadius) return shape.minRadius - d;
  return radiusAt(shape, dx, dy) - d;
}

export function shapeArea(shape: RadialShape): number {
  const n = shape.radii.length;
  let a = 0;
  for (let i = 0; i < n; i++) a += 0.5 * shape.radii[i] * shape.radii[i];
  return (a * 2 * Math.PI) / n;
}

/** The outline as a closed ring of level-0 points, one per angle sample. */
export function shapeRing(shape: RadialShape): [number, number][] {
  const n = shape.radii.length;
  const ring: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    const t = (2 * Math.PI * i) / n;
    ring.push([shape.cx + shape.radii[i] * Math.cos(t), shape.cy + shape.radii[i] * Math.sin(t)]);
  }
  ring.push(ring[0]);
  return ring;
}
