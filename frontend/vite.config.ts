/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

// The API lives beside the app at the site root; in development, vite forwards these paths to
// the service (FACEXAI_API_URL, default http://127.0.0.1:8000).
const API_PATHS = ['/analyze', '/analyses', '/models', '/health', '/docs', '/openapi.json']
const target = process.env.FACEXAI_API_URL ?? 'http://127.0.0.1:8000'
const proxy = Object.fromEntries(API_PATHS.map((path) => [path, { target, changeOrigin: false }]))

export default defineConfig({
  plugins: [react()],
  server: { proxy },
  preview: { proxy },
  build: { outDir: 'dist', sourcemap: false, chunkSizeWarningLimit: 600 },
  test: {
    environment: 'happy-dom',
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    css: false,
    // a shared two-core machine under load: a page test's queue of fake requests can take seconds
    testTimeout: 20_000,
  },
})
