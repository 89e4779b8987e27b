// NCHW ↔ NHWC: 4-D activations are stored NHWC (TF.js's native layout) while ONNX speaks NCHW.
// These are the axis maps; Ctx.toNhwc / Ctx.toPlain (convert-context.ts) insert the Transposes.

export const TO_NHWC = [0, 2, 3, 1];
export const TO_NCHW = [0, 3, 1, 2];
/** ONNX (NCHW) axis → NHWC storage axis */
export const nhwcAxis = (a: number) => [0, 3, 1, 2][a];

/** ONNX broadcasting: a shape right-aligned to `rank` dimensions. */
export function broadcastShape(shape: number[], rank: number): number[] {
  return [...new Array(Math.max(0, rank - shape.length)).fill(1), ...shape];
}
