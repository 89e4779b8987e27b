// Aborts, one way everywhere: an abort surfaces as a DOMException named 'AbortError' (what fetch
// throws too), whichever layer noticed it. Errors that cross a worker lose their class, so tests
// for an abort look at the name only.

/** True for anything that is an abort (a DOMException or Error named 'AbortError', also one that crossed a worker). */
export function isAbortError(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'AbortError';
}

/** A fresh abort error; `message` says why (e.g. 'superseded', 'cancelled'), for controller.abort(). */
export function newAbortError(message = 'The operation was aborted.'): DOMException {
  return new DOMException(message, 'AbortError');
}

/**
 * The error to reject with for an aborted signal: its reason when that is an abort, else a fresh one
 * (so a timeout or any other reason still reads as an abort downstream). Code that must pass the
 * reason through unchanged calls the platform's signal.throwIfAborted() instead.
 */
export function abortError(signal?: AbortSignal): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  return newAbortError();
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}
