// Gemm and MatMul, in ONNX order (their operands are 2-D or leave the NHWC world anyway).

import * as tf from '@tensorflow/tfjs';
import { type Ctx, constVal } from './convert-context';
import { FLOAT_T } from './graphdef-attrs';
import { binary } from './ops-binary';

export const matmulHandlers: Record<string, (c: Ctx) => void> = {
  Gemm(c) {
    const a = c.toPlain(c.in(0)!);
    const b = c.constIn(1, 'B')!;
    const transA = (c.attr('transA', 0) as number) === 1;
    const transB = (c.attr('transB', 0) as number) === 1;
    const alpha = c.attr('alpha', 1) as number;
    const beta = c.attr('beta', 1) as number;
    const bb = alpha === 1 ? b : tf.mul(b, alpha);
    let y = c.op(
      'gemm',
      'MatMul',
      [a.ref!, c.constNode(bb, 'B')],
      { ...FLOAT_T, transpose_a: { b: transA }, transpose_b: { b: transB } },
      tf.matMul(a.t, bb, transA, transB),
      false,
    );
    if (c.in(2)) {
      const cc = c.constIn(2, 'C')!;
      y = binary(c, 'Add', y, constVal(beta === 1 ? cc : tf.mul(cc, beta)));
    }
    c.set(y);
  },
  MatMul(c) {
    const a = c.toPlain(c.in(0)!);
    const b = c.in(1)!;
    const bp = b.dyn ? c.toPlain(b) : b;
    const bRef = b.dyn ? bp.ref! : c.constNode(b.t, 'b');
    const bt = bp.t;
    const op = a.t.rank === 2 && bt.rank === 2 ? 'MatMul' : 'BatchMatMulV2';
    const attr =
      op === 'MatMul'
        ? { ...FLOAT_T, transpose_a: { b: false }, transpose_b: { b: false } }
        : { ...FLOAT_T, adj_x: { b: false }, adj_y: { b: false } };
    c.set(c.op('matmul', op, [a.ref!, bRef], attr, tf.matMul(a.t, bt), false));
  },
};
