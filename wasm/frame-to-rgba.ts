// AssemblyScript source of the slide worker's JPEG colour kernel; scripts/build-wasm.ts compiles it
// into src/slide/decoders/frame-to-rgba-wasm.ts. WebCodecs' ImageDecoder hands back a JPEG's Y, Cb
// and Cr planes; this turns them into RGBA exactly as libjpeg-turbo does inside createImageBitmap
// (and OpenSlide): "fancy" triangle-filter chroma upsampling, then its fixed-point YCbCr->RGB.
// (The browser's own conversion of those planes filters chroma differently: up to 25 levels off.)
//
// Pointers are byte offsets into the exported memory, laid out by the caller. The JPEG image is
// w x h; with `subsampled` (4:2:0) its chroma planes are ceil(w/2) x ceil(h/2), otherwise (4:4:4)
// w x h. The output is the image's top-left outWidth x outHeight (edge tiles are stored padded) as
// RGBA bytes. SIMD loops run 8 samples at a time and may read up to 16 bytes past a row and write
// up to 32 bytes past the output: the caller leaves that much slack (see slackBytes).

// libjpeg's jdcolor.c constants: FIX(x) = round(x * 2^16)
const FIX_1_40200: i32 = 91881;
const FIX_1_77200: i32 = 116130;
const FIX_0_71414: i32 = 46802;
const FIX_0_34414: i32 = 22554;
const ONE_HALF: i32 = 1 << 15;

/** Bytes the caller reserves for scratch rows (4 rows of 16-bit samples) for an image w wide. */
export function scratchBytes(w: i32): i32 {
  return 4 * rowBytes(w) + 32;
}

/** Slack the caller leaves after the planes and after the output. */
export function slackBytes(): i32 {
  return 64;
}

function rowBytes(w: i32): i32 {
  return (((w + 32) << 1) + 15) & ~15;
}

/** cs[c] = 3 * near[c] + far[c] for c < n, then cs[-1] = cs[0] and cs[n] = cs[n - 1]: the column
 * sums of h2v2_fancy_upsample, with libjpeg's edge replication. */
function columnSums(near: usize, far: usize, cs: usize, n: i32): void {
  for (let c = 0; c < n; c += 8) {
    const a = v128.load_ext<u8>(near + <usize>c);
    const b = v128.load_ext<u8>(far + <usize>c);
    v128.store(cs + (<usize>c << 1), i16x8.add(i16x8.add(i16x8.add(a, a), a), b));
  }
  store<i16>(cs - 2, load<i16>(cs));
  store<i16>(cs + (<usize>n << 1), load<i16>(cs + (<usize>(n - 1) << 1)));
}

/** Output samples 2c and 2c+1 from column sums c-1, c, c+1: (3*cs[c] + cs[c-1] + 8) >> 4 and
 * (3*cs[c] + cs[c+1] + 7) >> 4, libjpeg's alternating rounding. Writes 16-bit samples. */
function upsampleRow(cs: usize, up: usize, outWidth: i32): void {
  const bias8 = i16x8.splat(8);
  const bias7 = i16x8.splat(7);
  for (let c = 0; c << 1 < outWidth; c += 8) {
    const p = cs + (<usize>c << 1);
    const mid = v128.load(p);
    const mid3 = i16x8.add(i16x8.add(mid, mid), mid);
    const left = i16x8.shr_u(i16x8.add(i16x8.add(mid3, v128.load(p - 2)), bias8), 4);
    const right = i16x8.shr_u(i16x8.add(i16x8.add(mid3, v128.load(p + 2)), bias7), 4);
    const q = up + (<usize>c << 2);
    v128.store(q, i8x16.shuffle(left, right, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23));
    v128.store(q + 16, i8x16.shuffle(left, right, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31));
  }
}

/** 4:4:4 chroma: widen to 16-bit samples. */
function widenRow(src: usize, up: usize, outWidth: i32): void {
  for (let x = 0; x < outWidth; x += 8) v128.store(up + (<usize>x << 1), v128.load_ext<u8>(src + <usize>x));
}

// @ts-ignore: decorator
@inline
function fixedMul(v: v128, k: i32): v128 {
  return i32x4.mul(v, i32x4.splat(k));
}

/** jdcolor.c's ycc_rgb_convert for 8 pixels: R = Y + ((FIX(1.402)*Cr' + 1/2) >> 16), etc., clamped. */
function rgbaRow(yRow: usize, upB: usize, upR: usize, out: usize, outWidth: i32): void {
  const center = i16x8.splat(128);
  const half = i32x4.splat(ONE_HALF);
  const opaque = i16x8.splat(255);
  for (let x = 0; x < outWidth; x += 8) {
    const y = v128.load_ext<u8>(yRow + <usize>x);
    const cb = i16x8.sub(v128.load(upB + (<usize>x << 1)), center);
    const cr = i16x8.sub(v128.load(upR + (<usize>x << 1)), center);
    const yLo = i32x4.extend_low_i16x8_u(y);
    const yHi = i32x4.extend_high_i16x8_u(y);
    const bLo = i32x4.extend_low_i16x8_s(cb);
    const bHi = i32x4.extend_high_i16x8_s(cb);
    const rLo = i32x4.extend_low_i16x8_s(cr);
    const rHi = i32x4.extend_high_i16x8_s(cr);
    const red = i16x8.narrow_i32x4_s(
      i32x4.add(yLo, i32x4.shr_s(i32x4.add(fixedMul(rLo, FIX_1_40200), half), 16)),
      i32x4.add(yHi, i32x4.shr_s(i32x4.add(fixedMul(rHi, FIX_1_40200), half), 16)),
    );
    const green = i16x8.narrow_i32x4_s(
      i32x4.add(
        yLo,
        i32x4.shr_s(i32x4.add(i32x4.add(fixedMul(bLo, -FIX_0_34414), fixedMul(rLo, -FIX_0_71414)), half), 16),
      ),
      i32x4.add(
        yHi,
        i32x4.shr_s(i32x4.add(i32x4.add(fixedMul(bHi, -FIX_0_34414), fixedMul(rHi, -FIX_0_71414)), half), 16),
      ),
    );
    const blue = i16x8.narrow_i32x4_s(
      i32x4.add(yLo, i32x4.shr_s(i32x4.add(fixedMul(bLo, FIX_1_77200), half), 16)),
      i32x4.add(yHi, i32x4.shr_s(i32x4.add(fixedMul(bHi, FIX_1_77200), half), 16)),
    );
    // unsigned saturation is libjpeg's range limit; then interleave R G B A
    const rg = i8x16.narrow_i16x8_u(red, green);
    const ba = i8x16.narrow_i16x8_u(blue, opaque);
    const o = out + (<usize>x << 2);
    v128.store(o, i8x16.shuffle(rg, ba, 0, 8, 16, 24, 1, 9, 17, 25, 2, 10, 18, 26, 3, 11, 19, 27));
    v128.store(o + 16, i8x16.shuffle(rg, ba, 4, 12, 20, 28, 5, 13, 21, 29, 6, 14, 22, 30, 7, 15, 23, 31));
  }
}

export function convert(
  yPtr: usize,
  yStride: i32,
  cbPtr: usize,
  cbStride: i32,
  crPtr: usize,
  crStride: i32,
  w: i32,
  h: i32,
  subsampled: bool,
  out: usize,
  outWidth: i32,
  outHeight: i32,
  scratch: usize,
): void {
  const cw = subsampled ? (w + 1) >> 1 : w;
  const ch = subsampled ? (h + 1) >> 1 : h;
  const row = <usize>rowBytes(w);
  const csB = scratch + 16;
  const csR = csB + row;
  const upB = csR + row;
  const upR = upB + row;
  for (let r = 0; r < outHeight; r++) {
    if (subsampled) {
      // the next-nearest chroma row is above for even rows, below for odd ones (edges repeat)
      const near = r >> 1;
      const far = r & 1 ? min(near + 1, ch - 1) : max(near - 1, 0);
      columnSums(cbPtr + <usize>(near * cbStride), cbPtr + <usize>(far * cbStride), csB, cw);
      columnSums(crPtr + <usize>(near * crStride), crPtr + <usize>(far * crStride), csR, cw);
      upsampleRow(csB, upB, outWidth);
      upsampleRow(csR, upR, outWidth);
    } else {
      widenRow(cbPtr + <usize>(r * cbStride), upB, outWidth);
      widenRow(crPtr + <usize>(r * crStride), upR, outWidth);
    }
    rgbaRow(yPtr + <usize>(r * yStride), upB, upR, out + <usize>(r * outWidth * 4), outWidth);
  }
}

/** RGB-coded JPEG (Aperio) comes back from ImageDecoder as 8-bit RGBX or BGRX rows: reorder the
 * channels and make alpha opaque. (copyTo can convert too, but Chromium does that on the GPU, which
 * under software WebGL made the first SVS viewport 3x slower.) */
export function rgbxToRgba(src: usize, stride: i32, bgr: bool, out: usize, outWidth: i32, outHeight: i32): void {
  const opaque = i32x4.splat(0xff000000);
  for (let r = 0; r < outHeight; r++) {
    const s = src + <usize>(r * stride);
    const o = out + <usize>(r * outWidth * 4);
    for (let x = 0; x < outWidth; x += 4) {
      let v = v128.load(s + (<usize>x << 2));
      if (bgr) v = i8x16.shuffle(v, v, 2, 1, 0, 3, 6, 5, 4, 7, 10, 9, 8, 11, 14, 13, 12, 15);
      v128.store(o + (<usize>x << 2), v128.or(v, opaque));
    }
  }
}
