import { describe, expect, it } from 'vitest';
import { BACKEND_MEMORY_PREFIX, forgetBackend, recallBackend, rememberBackend } from './backend-memory';

function memoryStore() {
  const m = new Map<string, string>();
  return {
    m,
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => void m.set(k, v),
    removeItem: (k: string) => void m.delete(k),
  };
}

describe('remembered backend choice', () => {
  it('recalls per model what was stored, and forgets', () => {
    const s = memoryStore();
    expect(recallBackend(s, '/models/unet/')).toBeNull();
    rememberBackend(s, '/models/unet/', 'webgpu');
    expect(recallBackend(s, '/models/unet/')).toBe('webgpu');
    expect(recallBackend(s, '/models/mrn-bilinear/')).toBeNull();
    forgetBackend(s, '/models/unet/');
    expect(recallBackend(s, '/models/unet/')).toBeNull();
  });

  it('ignores entries from another browser version, corrupt entries and missing storage', () => {
    const s = memoryStore();
    s.m.set(`${BACKEND_MEMORY_PREFIX}/m/`, JSON.stringify({ backend: 'wasm', ua: 'SomeOtherBrowser/1' }));
    expect(recallBackend(s, '/m/')).toBeNull();
    s.m.set(`${BACKEND_MEMORY_PREFIX}/m/`, '{not json');
    expect(recallBackend(s, '/m/')).toBeNull();
    rememberBackend(s, '/m/', 'wasm');
    s.m.set(`${BACKEND_MEMORY_PREFIX}/m/`, s.m.get(`${BACKEND_MEMORY_PREFIX}/m/`)!.replace('wasm', 'tpu'));
    expect(recallBackend(s, '/m/')).toBeNull();
    expect(recallBackend(null, '/m/')).toBeNull();
    const throwing = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceeded');
      },
      removeItem: () => {},
    };
    expect(recallBackend(throwing, '/m/')).toBeNull();
    expect(() => rememberBackend(throwing, '/m/', 'wasm')).not.toThrow();
  });
});
