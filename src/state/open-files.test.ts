// A dropped .onnx file (with a card.json beside it) goes to the ONNX import, not to the slide opener;
// an annotation dropped with a plain image (no mpp) waits for the mpp prompt instead of failing.
import { describe, expect, it } from 'vitest';
import { getState, setState } from './app-store';
import { openFiles, setModelImporter, setTruthLoader } from './open-files';
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

describe('openFiles with an annotation beside a slide', () => {
  // what SlideSession.open leaves behind for a plain image (mpp null) or a slide that says its mpp
  const opens = (mpp: number | null) =>
    ({
      open: async () => {
        setState({
          status: 'ready',
          metadata: { ...(getState().metadata ?? {}), name: 'testA_1.png', mpp } as never,
        });
        return getState();
      },
    }) as unknown as SlideSession;
  const drop = () => [
    new File(['x'], 'testA_1.png'),
    new File(['{"type":"FeatureCollection","features":[]}'], 'testA_1.geojson'),
  ];

  it('on a plain image without an mpp it waits for the mpp prompt (pendingTruth), then attaches', async () => {
    let attach: (v: unknown) => void = () => {};
    const got: string[] = [];
    setTruthLoader((text, name) => {
      got.push(`${name}:${text.length}`);
      return new Promise((r) => {
        attach = r;
      });
    });
    const r = await openFiles(opens(null), drop());
    expect(got).toEqual(['testA_1.geojson:42']);
    expect(r.truth).toBeNull();
    expect(r.pendingTruth).toBe('testA_1.geojson');
    expect(r.notes).toEqual([]);
    attach({});
  });

  it('a pending annotation that fails later says so in the notice', async () => {
    setTruthLoader(async () => {
      await new Promise((r) => setTimeout(r, 10));
      throw new Error('another slide was opened before the mpp was entered');
    });
    const r = await openFiles(opens(null), drop());
    expect(r.pendingTruth).toBe('testA_1.geojson');
    await expect
      .poll(() => getState().notice?.message)
      .toBe(
        'testA_1.geojson could not be used as ground truth: another slide was opened before the mpp was entered',
      );
  });

  it('on a slide that says its mpp it is loaded at once, and a refusal is a note naming the file', async () => {
    setTruthLoader(async () => ({}));
    const ok = await openFiles(opens(0.5), drop());
    expect(ok.truth).toBe('testA_1.geojson');
    expect(ok.pendingTruth).toBeUndefined();
    setTruthLoader(() => {
      throw new Error('not GeoJSON');
    });
    const bad = await openFiles(opens(0.5), drop());
    expect(bad.truth).toBeNull();
    expect(bad.notes).toEqual(['testA_1.geojson could not be used as ground truth: not GeoJSON']);
  });
});
