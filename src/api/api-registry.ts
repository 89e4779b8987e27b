// A small registry so later features (analysis, heatmaps) add scripting methods to window.mrnViewer
// without editing the core API: registerApiMethod('analyze', (ctx) => async (opts) => ...).

import type { AppState } from '../state/app-store';
import type { SlideSession } from '../state/slide-session';

export interface ApiContext {
  session: SlideSession;
  getState(): AppState;
}

export type ApiMethodFactory = (ctx: ApiContext) => (...args: never[]) => unknown;

const factories = new Map<string, ApiMethodFactory>();
const listeners = new Set<(name: string, factory: ApiMethodFactory) => void>();

/** Adds `name` to window.mrnViewer (now, or when the API is installed). Throws on a duplicate name. */
export function registerApiMethod(name: string, factory: ApiMethodFactory): void {
  if (!/^[a-zA-Z_$][\w$]*$/.test(name)) throw new Error(`Invalid API method name "${name}".`);
  if (factories.has(name)) throw new Error(`API method "${name}" is already registered.`);
  factories.set(name, factory);
  for (const l of listeners) l(name, factory);
}

export function registeredApiMethods(): ReadonlyMap<string, ApiMethodFactory> {
  return factories;
}

export function onApiMethodRegistered(
  listener: (name: string, factory: ApiMethodFactory) => void,
): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
