import { describe, expect, it } from 'vitest';
import { abortError, isAbortError, newAbortError, throwIfAborted } from './abort';

describe('abort helpers', () => {
  it('recognise aborts by name, also once they crossed a worker as plain objects', () => {
    expect(isAbortError(newAbortError('cancelled'))).toBe(true);
    expect(isAbortError({ name: 'AbortError', message: 'x' })).toBe(true);
    expect(isAbortError(new Error('AbortError'))).toBe(false);
    expect(isAbortError(null)).toBe(false);
    expect(isAbortError('AbortError')).toBe(false);
  });

  it("reject with the signal's own abort reason, else a fresh AbortError", () => {
    const c = new AbortController();
    const why = newAbortError('superseded');
    c.abort(why);
    expect(abortError(c.signal)).toBe(why);
    const t = new AbortController();
    t.abort(new Error('not an abort'));
    const e = abortError(t.signal);
    expect(e.name).toBe('AbortError');
    expect(() => throwIfAborted(t.signal)).toThrow(/aborted/);
    expect(() => throwIfAborted(new AbortController().signal)).not.toThrow();
    expect(() => throwIfAborted(undefined)).not.toThrow();
  });
});
