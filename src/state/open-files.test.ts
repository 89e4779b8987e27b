// A dropped .onnx file (with a card.json beside it) goes to the ONNX import, not to the slide opener.
import { describe, expect, it } from 'vitest';
import { getState } from './app-store';
import { openFiles, setModelImporter } from './open-files';
import type { SlideSession } from './slide-session';

const noSlides = {
  open: () => {
    throw new Error('no slide should open');
  },
} as unknown as SlideSession;

describe('openFiles with model files', () => {
  it('hands an .onnx file and its card.json to the ONNX import and opens no slide', async () => {
    const got: [string, string | null][] = [];
    setModelImporter((onnx, card) => got.push([onnx.name, card?.name ?? null]));
    const r = await openFiles(noSlides, [new File(['x'], 'net.onnx'), new File(['{}'], 'card.json')]);
    expect(got).toEqual([['net.onnx', 'card.json']]);
    expect(r.notes).toEqual([]);
    expect(getState().notice?.kind).not.toBe('error');
    await openFiles(noSlides, [new File(['x'], 'a.onnx'), new File(['y'], 'b.onnx')]);
    expect(got.at(-1)).toEqual(['a.onnx', null]);
    expect(getState().notice?.message).toMatch(
      /1 other model file\(s\) left alone: one \.onnx file at a time/,
    );
  });
});
