// Builds what the e2e tests read: the bad-file fixtures (scripts/make-fixtures.ts, another module's
// generator) and the demo slide when `npm run demo` has not been run.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const root = path.resolve(import.meta.dirname, '..');

/**
 * Vite discovers and pre-bundles dependencies on the first page load (the worker's too) and then
 * reloads the page; do that once here so no test sees a reload.
 */
async function warmUpVite(baseURL: string): Promise<void> {
  const { chromium } = await import('@playwright/test');
  const config = (await import('../playwright.config')).default;
  const browser = await chromium.launch(config.use?.launchOptions);
  try {
    const page = await browser.newPage();
    for (let attempt = 0; attempt < 4; attempt++) {
      let navigations = 0;
      page.on('framenavigated', (f) => {
        if (f === page.mainFrame()) navigations++;
      });
      await page.goto(baseURL);
      await page.waitForFunction(() => !!window.mrnViewer, undefined, { timeout: 60_000 });
      await page
        .evaluate(() => window.mrnViewer!.open('/demo/demo.tiff').then(() => window.mrnViewer!.ready()))
        .catch(() => {});
      await page.waitForTimeout(1500);
      if (navigations <= 1) break;
    }
  } finally {
    await browser.close();
  }
}

export default async function globalSetup(): Promise<void> {
  const fixtures = path.join(root, 'scripts/make-fixtures.ts');
  if (existsSync(fixtures)) {
    const mod = (await import(pathToFileURL(fixtures).href)) as Record<string, unknown>;
    const run = (mod.makeFixtures ?? mod.default) as ((dir?: string) => Promise<unknown>) | undefined;
    if (typeof run === 'function') await run(path.join(root, '.cache/fixtures'));
  }
  const demo = path.join(root, 'public/demo/demo.tiff');
  const demoScript = path.join(root, 'scripts/make-demo-slide.ts');
  if (!existsSync(demo) && existsSync(demoScript)) {
    const { execFileSync } = await import('node:child_process');
    execFileSync('npx', ['tsx', demoScript], { cwd: root, stdio: 'inherit' });
  }
  const { default: config } = await import('../playwright.config');
  await warmUpVite(String(config.use?.baseURL));
}
