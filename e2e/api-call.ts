// Driving the scripting API from Playwright: shared by the e2e tests and the benchmarks.

import type { Page } from '@playwright/test';

/** Calls window.mrnViewer[name](...args) in the page (extensions are untyped there). */
export function call<T>(page: Page, name: string, ...args: unknown[]): Promise<T> {
  return page.evaluate(
    ([n, a]) => (window.mrnViewer![n as string] as (...x: unknown[]) => unknown)(...(a as unknown[])),
    [name, args] as const,
  ) as Promise<T>;
}
