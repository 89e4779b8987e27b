// Truth given before its slide's mpp is known (a plain image dropped with its label mask): it
// waits for the mpp prompt, then attaches to the context that slide gets. One waits at a time; a
// newer truth, another slide's context or the abort signal ends the wait with an error.

export class TruthWaits<Slide, Ctx extends { slide: Slide }> {
  private waiting: { slide: Slide; resolve(ctx: Ctx): void; reject(e: Error): void } | null = null;

  /** Resolves with the context `slide` gets once its mpp is entered. */
  wait(slide: Slide, signal?: AbortSignal): Promise<Ctx> {
    this.end(new Error('newer ground truth was given before the mpp was entered'));
    return new Promise<Ctx>((resolve, reject) => {
      if (signal?.aborted) return reject(new Error('aborted'));
      const w = {
        slide,
        resolve: (ctx: Ctx) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(ctx);
        },
        reject: (e: Error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      };
      const onAbort = () => {
        if (this.waiting === w) this.waiting = null;
        w.reject(new Error('aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting = w;
    });
  }

  /** A context was made: the waiting truth attaches to it if it is its slide's, and is dropped otherwise. */
  opened(ctx: Ctx): void {
    const w = this.waiting;
    if (!w) return;
    this.waiting = null;
    if (w.slide === ctx.slide) w.resolve(ctx);
    else w.reject(new Error('another slide was opened before the mpp was entered'));
  }

  get pending(): boolean {
    return this.waiting !== null;
  }

  private end(e: Error): void {
    const w = this.waiting;
    this.waiting = null;
    w?.reject(e);
  }
}
