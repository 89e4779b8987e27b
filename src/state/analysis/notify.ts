// How the analysis pieces tell the user something: the app store's notice (the banner).

import { errorMessage } from '../../util/error-message';
import { setState } from '../app-store';

export type NoticeKind = 'error' | 'warning' | 'info';
export type Notify = (kind: NoticeKind, text: string) => void;

export const notifyUser: Notify = (kind, message) => setState({ notice: { kind, message } });

export const errorText = errorMessage;

/** `promise`, or its rejection with the signal's reason once `signal` aborts (whichever is first). */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
