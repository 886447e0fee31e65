import { defineConfig, devices } from '@playwright/test'

// End-to-end tests drive Debian's chromium (browser downloads fail on these machines) against
// the real service, which e2e/global-setup.ts starts on a free port with a model bundle.
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export default defineConfig({
  testDir: './e2e',
  globalSetup: './e2e/global-setup.ts',
  // the static demo's test runs with no service: playwright.demo.config.ts (npm run e2e:demo)
  testIgnore: 'demo.spec.ts',
  // Analyses and Integrated Gradients take seconds on a small shared CPU.
  timeout: 300_000,
  expect: { timeout: 60_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    ...devices['Desktop Chrome'],
    viewport: { width: 1400, height: 1000 },
    acceptDownloads: true,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-dev-shm-usage',
      ],
    },
  },
})
