// The security headers as `facexai serve` sends them (backend/facexai/api/security.py; the compose stack's nginx
// sends the same): Chromium reports no Content-Security-Policy violation while the app loads, analyses a photo,
// forgets it and opens the camera (a fake one: --use-fake-device-for-media-stream), nor on FastAPI's /docs and
// /redoc, whose CDN scripts are stood in for here (no CDN is reachable from the test machines).
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test, type Page } from '@playwright/test'
import config from '../playwright.config.ts'

const frontend = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const images = process.env.FACEXAI_SHARED_IMAGES ?? resolve(frontend, '../../shared/images')
const launchOptions = config.use?.launchOptions ?? {}

test.use({
  permissions: ['camera'],
  launchOptions: { ...launchOptions, args: [...(launchOptions.args ?? []), '--use-fake-device-for-media-stream'] },
})

function baseUrl(): string {
  const url = process.env.FACEXAI_E2E_URL
  if (!url) throw new Error('FACEXAI_E2E_URL unset: the global setup did not start the service')
  return url
}

/** Every CSP violation the page reports (securitypolicyviolation events) or logs, and every policy error logged. */
async function watchViolations(page: Page): Promise<() => Promise<string[]>> {
  const logged: string[] = []
  page.on('console', (message) => {
    const text = message.text()
    if (/Content.Security.Policy|Permissions.Policy|Refused to/i.test(text)) logged.push(`console: ${text}`)
  })
  await page.addInitScript(() => {
    const seen: string[] = []
    Object.assign(window, { __violations: seen })
    document.addEventListener('securitypolicyviolation', (event) =>
      seen.push(`${event.violatedDirective}: ${event.blockedURI || 'inline'} (${event.sourceFile}:${event.lineNumber})`),
    )
  })
  return async () => [...logged, ...(await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations))]
}

test('no Content-Security-Policy violation: the app loads, analyses a photo, forgets it and opens the camera', async ({ page }) => {
  const violations = await watchViolations(page)
  const response = await page.goto(`${baseUrl()}/#/`)
  const headers = response!.headers()
  expect(headers['content-security-policy']).toContain("default-src 'self'")
  expect(headers['content-security-policy']).toContain("frame-ancestors 'none'")
  expect(headers['permissions-policy']).toContain('camera=(self)')
  expect(headers['x-content-type-options']).toBe('nosniff')
  expect(headers['referrer-policy']).toBe('no-referrer')

  // An analysis: the photo shown from its object URL (blob:), the faces and maps as base64 PNGs (data:).
  await page.getByTestId('file-input').setInputFiles(resolve(images, 'grace_hopper.jpg'))
  await expect(page.getByTestId('face-chip')).toHaveCount(1, { timeout: 120_000 })
  for (const image of [page.getByTestId('face-chip').locator('img').first(), page.getByTestId('heatmap').first()]) {
    await expect(image).toBeVisible({ timeout: 120_000 })
    await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true)
  }
  const photo = page.getByRole('img', { name: 'The uploaded photo' })
  await expect.poll(() => photo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true)

  // "Forget this photo": DELETE /analyses/{id} answers 204, and the page is back to the upload.
  const forgotten = page.waitForResponse((r) => r.request().method() === 'DELETE' && /\/analyses\/[^/]+$/.test(r.url()))
  await page.getByRole('button', { name: 'Forget this photo' }).click()
  expect((await forgotten).status()).toBe(204)
  await expect(page.getByTestId('forgotten')).toContainText('gone from this page and from the server')
  await expect(page.getByTestId('results')).toHaveCount(0)

  // The camera (getUserMedia, allowed by camera=(self)): its preview plays the fake device's frames.
  await page.getByRole('button', { name: 'Use the camera' }).click()
  const preview = page.getByRole('dialog', { name: 'Camera' }).locator('video')
  await expect(preview).toBeVisible()
  await expect.poll(() => preview.evaluate((video: HTMLVideoElement) => video.videoWidth), { timeout: 30_000 }).toBeGreaterThan(0)
  await page.getByRole('button', { name: 'Cancel' }).click()

  expect(await violations()).toEqual([])
})

/** Stand-ins for what /docs and /redoc load from CDNs: enough for Swagger UI's inline start-up script to run. */
async function standInCdns(page: Page) {
  const swagger = `window.SwaggerUIBundle = Object.assign(
    (options) => { document.getElementById('swagger-ui').textContent = 'Swagger UI stand-in for ' + options.url },
    { presets: { apis: {} }, SwaggerUIStandalonePreset: {} })`
  const redoc = `document.body.dataset.redoc = 'stand-in'`
  await page.route(/^https:\/\/(cdn\.jsdelivr\.net|fonts\.googleapis\.com|fonts\.gstatic\.com|fastapi\.tiangolo\.com)\//, (route) => {
    const url = route.request().url()
    if (url.endsWith('.js')) return route.fulfill({ contentType: 'text/javascript', body: url.includes('redoc') ? redoc : swagger })
    if (url.endsWith('.css') || url.includes('/css?')) return route.fulfill({ contentType: 'text/css', body: 'body { margin: 0 }' })
    return route.fulfill({ status: 404, body: '' })
  })
}

test('no Content-Security-Policy violation on /docs and /redoc: their CDN scripts and Swagger UI’s inline start run', async ({
  page,
}) => {
  await standInCdns(page)
  const violations = await watchViolations(page)
  const docs = await page.goto(`${baseUrl()}/docs`)
  expect(docs!.headers()['content-security-policy']).toContain('https://cdn.jsdelivr.net')
  await expect(page.locator('#swagger-ui')).toHaveText('Swagger UI stand-in for /openapi.json')
  await page.goto(`${baseUrl()}/redoc`)
  await expect(page.locator('body')).toHaveAttribute('data-redoc', 'stand-in')
  expect(await violations()).toEqual([])
})
