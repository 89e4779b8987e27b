import { describe, expect, it } from 'vitest';
import { jobKey, shortHash } from './job-key';

const slide = { source: '/data/a.svs', size: 1000, version: '1700000000000' };
const model = { id: 'unet', version: 'abc123def456' };

describe('jobKey', () => {
  it('is stable for the same slide and model, and BullMQ-safe', () => {
    const k = jobKey(slide, model);
    expect(k).toBe(jobKey({ ...slide }, { ...model }));
    expect(k).toMatch(/^j[0-9a-f]{32}$/);
    expect(k).not.toContain(':');
  });

  it('changes with every part of the identity', () => {
    const k = jobKey(slide, model);
    const variants = [
      jobKey({ ...slide, source: '/data/b.svs' }, model),
      jobKey({ ...slide, size: 1001 }, model),
      jobKey({ ...slide, version: '1700000000001' }, model),
      jobKey({ ...slide, version: null }, model),
      jobKey(slide, { ...model, id: 'mrn' }),
      jobKey(slide, { ...model, version: 'abc123def457' }),
      // with the cascade's screen, and with another version of it
      jobKey(slide, model, { id: 'unet-context', version: '0123456789ab' }),
      jobKey(slide, model, { id: 'unet-context', version: '0123456789ac' }),
    ];
    // no screen is the key as before the cascade existed
    expect(jobKey(slide, model, null)).toBe(k);
    expect(new Set([k, ...variants]).size).toBe(variants.length + 1);
  });

  it('shortHash is 8 hex by default', () => {
    expect(shortHash('x')).toMatch(/^[0-9a-f]{8}$/);
    expect(shortHash('x')).not.toBe(shortHash('y'));
  });
});
