import { describe, expect, it } from 'vitest';
import {
  formatLength,
  formatMagnification,
  magnification,
  parseViewParams,
  scaleBar,
  writeViewParams,
} from './view-math';

describe('magnification', () => {
  it('maps 10 µm per screen pixel to 1×', () => {
    expect(magnification(10, 1)).toBe(1);
    expect(magnification(0.25, 1)).toBe(40);
    expect(magnification(0.5, 0.5)).toBe(10);
  });
  it('formats with sensible precision', () => {
    expect(formatMagnification(12.5)).toBe('12.5×');
    expect(formatMagnification(40)).toBe('40×');
    expect(formatMagnification(2.5)).toBe('2.5×');
    expect(formatMagnification(0.123)).toBe('0.12×');
    expect(formatMagnification(Number.NaN)).toBe('–');
  });
});

describe('scaleBar', () => {
  it('picks a 1-2-5 length no longer than the maximum', () => {
    const bar = scaleBar(1, 140)!;
    expect(bar.microns).toBe(100);
    expect(bar.px).toBe(100);
    expect(bar.label).toBe('100 µm');
    const mm = scaleBar(20, 140)!;
    expect(mm.microns).toBe(2000);
    expect(mm.label).toBe('2 mm');
    expect(mm.px).toBeLessThanOrEqual(140);
    expect(scaleBar(0.01, 140)!.label).toBe('1 µm');
    expect(scaleBar(0)).toBeNull();
  });
  it('formats lengths', () => {
    expect(formatLength(500)).toBe('500 µm');
    expect(formatLength(1500)).toBe('1.5 mm');
    expect(formatLength(0.5)).toBe('500 nm');
  });
});

describe('view params', () => {
  it('round-trips through the URL', () => {
    const p = new URLSearchParams('slide=a.svs');
    writeViewParams(p, { x: 1234.4, y: 99.6, zoom: 0.123456 });
    expect(p.toString()).toBe('slide=a.svs&x=1234&y=100&zoom=0.1235');
    expect(parseViewParams(p)).toEqual({ x: 1234, y: 100, zoom: 0.1235 });
  });
  it('rejects missing or bad values', () => {
    expect(parseViewParams(new URLSearchParams('x=1&y=2'))).toBeNull();
    expect(parseViewParams(new URLSearchParams('x=1&y=2&zoom=-1'))).toBeNull();
    expect(parseViewParams(new URLSearchParams('x=a&y=2&zoom=1'))).toBeNull();
  });
});
