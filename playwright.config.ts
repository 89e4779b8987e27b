import { defineConfig } from '@playwright/test';

// One worker: the machine has two shared cores, and the tests are timing-sensitive enough.
// MRN_E2E_PORT lets several checkouts run their e2e suites side by side.
export const APP_PORT = Number(process.env.MRN_E2E_PORT ?? 5199);
// e2e/dicom.spec.ts starts Orthanc here; the app's dev server proxies /dicom-web to it
export const ORTHANC_PORT = Number(process.env.MRN_ORTHANC_PORT ?? 7160);
process.env.MRN_DICOMWEB_PROXY ??= `http://127.0.0.1:${ORTHANC_PORT}`;

export default defineConfig({
  testDir: 'e2e',
  testMatch: '*.spec.ts',
  globalSetup: './e2e/global-setup.ts',
  workers: 1,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  // CI's machine is shared and loaded: one retry there, reported as flaky in the log; none locally
  retries: process.env.CI ? 1 : 0,
  use: {
    baseURL: `http://127.0.0.1:${APP_PORT}`,
    viewport: { width: 1440, height: 900 },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--enable-unsafe-webgpu',
        '--enable-unsafe-swiftshader',
      ],
    },
  },
  webServer: {
    command: `npx vite --port ${APP_PORT} --strictPort --host 127.0.0.1`,
    url: `http://127.0.0.1:${APP_PORT}`,
    reuseExistingServer: false,
    timeout: 60_000,
  },
});
