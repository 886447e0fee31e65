import { defineConfig } from '@playwright/test'
import base from './playwright.config.ts'

// The static demo (`make demo`) in Chromium with NO service: e2e/demo-setup.ts builds it and serves the
// folder under a sub-path with a plain static server; e2e/demo.spec.ts is its only test.
export default defineConfig({
  ...base,
  globalSetup: './e2e/demo-setup.ts',
  testMatch: 'demo.spec.ts',
  testIgnore: [],
  timeout: 120_000,
  expect: { timeout: 20_000 },
})
