// A label image: one integer per pixel, row-major. 0 is background; 1..n are objects (gland
// instances) or classes, depending on the producer. Shared by the GlaS metrics and dataset code.

export interface LabelImage {
  width: number;
  height: number;
  data: Int32Array;
}

export function labelImage(width: number, height: number, data?: ArrayLike<number>): LabelImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`label image size must be positive integers (got ${width}×${height})`);
  }
  if (data && data.length !== width * height) {
    throw new Error(`label image data has ${data.length} values, expected ${width}×${height}`);
  }
  const out = new Int32Array(width * height);
  if (data) out.set(data);
  return { width, height, data: out };
}

/** 1 where `pred` holds, else 0 */
export function binaryImage(width: number, height: number, pred: (i: number) => boolean): LabelImage {
  const img = labelImage(width, height);
  for (let i = 0; i < img.data.length; i++) img.data[i] = pred(i) ? 1 : 0;
  return img;
}

export function sameSize(a: LabelImage, b: LabelImage, what: string): void {
  if (a.width !== b.width || a.height !== b.height) {
    throw new Error(`${what}: sizes differ (${a.width}×${a.height} vs ${b.width}×${b.height})`);
  }
}
