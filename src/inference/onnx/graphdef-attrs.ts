// GraphDef JSON attribute helpers shared by the op modules (the shapes TF.js's graph loader reads).

export const b64 = (s: string) => {
  const bytes = new TextEncoder().encode(s);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
};
export const ints = (v: number[]) => ({ list: { i: v.map((x) => String(Math.trunc(x))) } });
export const shapeAttr = (dims: number[]) => ({ dim: dims.map((d) => ({ size: String(d) })) });
export const FLOAT_T = { T: { type: 'DT_FLOAT' } };
export const NHWC_FORMAT = { data_format: { s: b64('NHWC') } };
