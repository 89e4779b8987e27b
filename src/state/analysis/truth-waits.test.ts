import { describe, expect, it } from 'vitest';
import { TruthWaits } from './truth-waits';

const A = { id: 'a' };
const B = { id: 'b' };

describe('TruthWaits', () => {
  it('resolves with the context of the slide it waits for', async () => {
    const w = new TruthWaits<object, { slide: object }>();
    const p = w.wait(A);
    expect(w.pending).toBe(true);
    const ctx = { slide: A };
    w.opened(ctx);
    await expect(p).resolves.toBe(ctx);
    expect(w.pending).toBe(false);
  });

  it("drops the truth when another slide's context opens first, or newer truth is given", async () => {
    const w = new TruthWaits<object, { slide: object }>();
    const first = w.wait(A);
    const second = w.wait(A);
    await expect(first).rejects.toThrow('newer ground truth was given before the mpp was entered');
    w.opened({ slide: B });
    await expect(second).rejects.toThrow('another slide was opened before the mpp was entered');
    expect(w.pending).toBe(false);
  });

  it('ends the wait on abort', async () => {
    const w = new TruthWaits<object, { slide: object }>();
    const c = new AbortController();
    const p = w.wait(A, c.signal);
    c.abort();
    await expect(p).rejects.toThrow('aborted');
    expect(w.pending).toBe(false);
    await expect(w.wait(A, c.signal)).rejects.toThrow('aborted');
  });
});
