import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { AxeBuilder } from '@axe-core/playwright'
import { expect, test, type Locator, type Page } from '@playwright/test'

const frontend = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const images = process.env.FACEXAI_SHARED_IMAGES ?? resolve(frontend, '../../shared/images')
// `make frontend-screenshots` writes them to docs/screenshots; an ordinary run keeps the tree clean.
const screenshots = resolve(process.env.FACEXAI_SCREENSHOTS_DIR ?? resolve(frontend, 'test-results/screenshots'))
const MODELS = ['age', 'gender', 'race', 'race_biased']

function baseUrl(): string {
  const url = process.env.FACEXAI_E2E_URL
  if (!url) throw new Error('FACEXAI_E2E_URL unset: the global setup did not start the service')
  return url
}

/** No serious or critical accessibility violations (WCAG 2 A/AA rules of axe-core). */
async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze()
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([])
}

/** Every <img> under `scope` matching `selector` has decoded pixels (not just a src). */
async function expectRendered(scope: Locator) {
  await expect(scope).toBeVisible()
  await expect
    .poll(() => scope.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), { timeout: 60_000 })
    .toBe(true)
}

async function upload(page: Page, file: string) {
  await page.goto(`${baseUrl()}/#/`)
  await page.getByTestId('file-input').setInputFiles(resolve(images, file))
}

test('astronaut and Hopper: two faces, four models, overlays, comparison and a class switch', async ({ page }) => {
  await upload(page, 'multi_face_astronaut_hopper.jpg')

  // Two numbered boxes on the photo, two face chips.
  const boxes = page.getByTestId('face-box')
  await expect(boxes).toHaveCount(2)
  await expect(page.getByRole('button', { name: 'Face 1', exact: true })).toHaveAttribute('aria-pressed', 'true')
  await expect(page.getByTestId('face-chip')).toHaveCount(2)
  await expectRendered(page.getByRole('img', { name: 'Aligned face 2' }))

  // A prediction and a bar per class for each of the four models, from the service's own labels.
  const models = (await (await page.request.get(`${baseUrl()}/models`)).json()) as {
    models: { name: string; labels: string[] }[]
  }
  expect(models.models.map((m) => m.name).sort()).toEqual([...MODELS].sort())
  for (const model of models.models) {
    const panel = page.getByTestId(`model-${model.name}`)
    await expect(panel.getByTestId('class-row')).toHaveCount(model.labels.length)
    const predicted = (await panel.getByTestId('predicted-label').textContent())?.trim()
    expect(model.labels).toContain(predicted)
  }

  // Integrated Gradients arrives model by model; each overlay is a decoded image with its completeness error.
  for (const model of MODELS) {
    const panel = page.getByTestId(`model-${model}`)
    await expectRendered(panel.getByTestId('heatmap'))
    await expect(panel.getByTestId('completeness')).toContainText(/\d+\.\d+% with \d+ steps/)
  }
  await expect(page.getByTestId('progress')).toContainText('All explanations ready')
  await expectAccessible(page)

  // The opacity slider drives the heatmap's CSS opacity.
  const raceHeat = page.getByTestId('model-race').getByTestId('heatmap')
  await page.getByRole('slider', { name: /Heatmap opacity/ }).fill('30')
  await expect(raceHeat).toHaveCSS('opacity', '0.3')
  await page.getByRole('slider', { name: /Heatmap opacity/ }).fill('75')
  await expect(raceHeat).toHaveCSS('opacity', '0.75')

  // Grad-CAM overlays too, after the method toggle.
  const igSrc = await raceHeat.getAttribute('src')
  await page.getByRole('radio', { name: 'Grad-CAM' }).check()
  for (const model of MODELS) await expectRendered(page.getByTestId(`model-${model}`).getByTestId('heatmap'))
  expect(await raceHeat.getAttribute('src')).not.toEqual(igSrc)
  await page.getByRole('radio', { name: 'Integrated Gradients' }).check()

  // Balanced vs biased race model, on one shared scale, with a difference map and a sentence.
  const compare = page.getByTestId('compare')
  await expect(compare.getByTestId('compare-summary')).not.toBeEmpty()
  await expectRendered(compare.getByTestId('compare-race').getByTestId('heatmap'))
  await expectRendered(compare.getByTestId('compare-race_biased').getByTestId('heatmap'))
  await expectRendered(compare.getByTestId('difference-image'))
  await expect(compare.getByTestId('compare-correlation')).toHaveText(/^-?\d\.\d\d$/)
  await page.screenshot({ path: resolve(screenshots, 'analysis-desktop.jpg'), fullPage: true, type: 'jpeg', quality: 85 })
  await compare.screenshot({ path: resolve(screenshots, 'race-vs-race-biased.png') })

  // Class switch: explain a class the race model did not predict.
  const race = page.getByTestId('model-race')
  const predicted = (await race.getByTestId('predicted-label').textContent())!.trim()
  const other = models.models.find((m) => m.name === 'race')!.labels.find((label) => label !== predicted)!
  const before = await race.getByTestId('heatmap').getAttribute('src')
  await race.getByRole('button', { name: new RegExp(`^${other}:`) }).click()
  await expect(race.getByRole('button', { name: new RegExp(`^${other}:`) })).toHaveAttribute('aria-pressed', 'true')
  await expect(race.getByTestId('explained-target')).toContainText(other)
  await expectRendered(race.getByTestId('heatmap'))
  expect(await race.getByTestId('heatmap').getAttribute('src')).not.toEqual(before)
  await expect(race.getByRole('combobox', { name: 'Explain class' })).toHaveValue(other)

  // Save: the overlay as a PNG, the analysis as JSON.
  const [png] = await Promise.all([page.waitForEvent('download'), race.getByRole('button', { name: 'Save overlay PNG' }).click()])
  expect(png.suggestedFilename()).toMatch(/_face1_race_.*_integrated_gradients\.png$/)
  const pngBytes = readFileSync((await png.path())!)
  expect([...pngBytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
  const [json] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Save analysis JSON' }).click()])
  const saved = JSON.parse(readFileSync((await json.path())!, 'utf8'))
  expect(saved.analysis.faces).toHaveLength(2)
  expect(saved.explanations.some((e: { model: string; target: string }) => e.model === 'race' && e.target === other)).toBe(true)
  expect(saved.comparisons.length).toBeGreaterThan(0)

  // Keyboard: arrow keys move between faces; the second face gets its own explanations.
  await page.getByTestId('face-chip').first().focus()
  await page.keyboard.press('ArrowRight')
  await expect(page.getByTestId('face-chip').nth(1)).toHaveAttribute('aria-pressed', 'true')
  await expect(page.getByTestId('face-chip').nth(1)).toBeFocused()
  await expect(page.getByRole('heading', { name: /^Face 2:/ })).toBeVisible()
  for (const model of MODELS) await expectRendered(page.getByTestId(`model-${model}`).getByTestId('heatmap'))
})

/** The page's visible text, without the comparison sentence (the service writes it, with model ids). */
async function visibleText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const summary = document.querySelector('[data-testid="compare-summary"]') as HTMLElement | null
    const text = document.body.innerText
    return summary ? text.replace(summary.innerText, '') : text
  })
}

test('display names: every model is named as GET /models says, never by its id', async ({ page }) => {
  const { models } = (await (await page.request.get(`${baseUrl()}/models`)).json()) as {
    models: { name: string; display_name: string }[]
  }
  const names = Object.fromEntries(models.map((m) => [m.name, m.display_name]))
  expect(names.race_biased).toBe('Race (biased training)')
  await upload(page, 'multi_face_astronaut_hopper.jpg')
  for (const model of MODELS)
    await expect(page.getByTestId(`model-${model}`).getByRole('heading', { level: 3 })).toHaveText(names[model])
  await expect(page.getByTestId('compare-summary')).not.toBeEmpty()
  await expect(page.getByTestId('compare')).toContainText(names.race_biased)
  await expect(page.getByTestId('progress')).toContainText('All explanations ready')
  expect(await visibleText(page)).not.toMatch(/race_biased/)

  await page.goto(`${baseUrl()}/#/models`)
  await expect(page.getByTestId('model-card')).toHaveCount(models.length)
  for (const model of models) await expect(page.getByRole('heading', { name: model.display_name, exact: true })).toBeVisible()
  expect(await visibleText(page)).not.toMatch(/race_biased/)
})

test('help in place, and a high completeness error recomputed with twice the steps', async ({ page }) => {
  await page.goto(`${baseUrl()}/#/`)
  // Few steps of a coarse rule: the completeness error is high, so the warning and its button show.
  await page.getByText('Options').click()
  await page.getByRole('spinbutton', { name: 'Integrated Gradients steps' }).fill('4')
  await page.getByRole('combobox', { name: 'Quadrature rule' }).selectOption('left_riemann')
  await page.getByRole('button', { name: 'Apply and recompute' }).click()
  await page.getByTestId('file-input').setInputFiles(resolve(images, 'multi_face_astronaut_hopper.jpg'))
  await expect(page.getByTestId('progress')).toContainText('All explanations ready')

  const help = page.getByTestId('method-help')
  await help.getByText('How to read this').click()
  for (const topic of ['Integrated Gradients', 'Grad-CAM', 'Signed view', 'Completeness error'])
    await expect(help.getByRole('term').filter({ hasText: topic })).toBeVisible()
  await expect(help).toContainText('pushed towards the class')

  let warned: Locator | undefined
  for (const model of MODELS) {
    const panel = page.getByTestId(`model-${model}`)
    await expect(panel.getByTestId('completeness')).toContainText('with 4 steps')
    if (!warned && (await panel.getByTestId('completeness-warning').count())) warned = panel
  }
  expect(warned, 'no model had a completeness error over 5% with 4 left-Riemann steps').toBeDefined()
  const before = await warned!.getByTestId('heatmap').getAttribute('src')
  const [request] = await Promise.all([
    page.waitForRequest((r) => r.url().includes('/explanations/') && new URL(r.url()).searchParams.get('ig_steps') === '8'),
    warned!.getByRole('button', { name: 'Recompute with 8 steps' }).click(),
  ])
  expect(new URL(request.url()).searchParams.get('explain')).toBe('integrated_gradients')
  await expect(warned!.getByTestId('completeness')).toContainText('with 8 steps')
  expect(await warned!.getByTestId('heatmap').getAttribute('src')).not.toEqual(before)
})

test('a photo with EXIF rotation: the boxes are drawn on the photo as the service oriented it', async ({ page }) => {
  await page.goto(`${baseUrl()}/#/`)
  const [response] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === '/analyze'),
    page.getByTestId('file-input').setInputFiles(resolve(images, 'exif_orientation_6_astronaut.jpg')),
  ])
  const result = (await response.json()) as { image: { width: number; height: number }; faces: { box: Record<string, number> }[] }
  await expect(page.getByTestId('face-box')).toHaveCount(result.faces.length)
  const photo = page.getByRole('img', { name: 'The uploaded photo' })
  await expectRendered(photo)
  const natural = await photo.evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight])
  expect(natural).toEqual([result.image.width, result.image.height])
  // The box sits where the service says, relative to the photo as displayed.
  const frame = (await photo.boundingBox())!
  const box = (await page.getByTestId('face-box').first().boundingBox())!
  const scale = frame.width / result.image.width
  expect(Math.abs(box.x - frame.x - result.faces[0].box.left * scale)).toBeLessThan(2)
  expect(Math.abs(box.y - frame.y - result.faces[0].box.top * scale)).toBeLessThan(2)
})

test('a text file named .jpg gets a clear message, not a crash', async ({ page }) => {
  await upload(page, 'invalid_text_named.jpg')
  const error = page.getByRole('alert')
  await expect(error).toBeVisible()
  await expect(error).toHaveAttribute('data-code', /^(unsupported_type|invalid_image)$/)
  await expect(error).toContainText(/not (supported|an image)/)
  await expect(page.getByTestId('face-box')).toHaveCount(0)
  await expectAccessible(page)
})

test('an upload over the service’s size limit says it is too large', async ({ page }) => {
  await page.goto(`${baseUrl()}/#/`)
  // 11 MiB: over the service's default 10 MiB limit, refused before it is decoded.
  await page.getByTestId('file-input').setInputFiles({
    name: 'huge.jpg',
    mimeType: 'image/jpeg',
    buffer: Buffer.alloc(11 * 1024 * 1024, 0xff),
  })
  await expect(page.getByRole('alert')).toHaveAttribute('data-code', 'upload_too_large')
  await expect(page.getByRole('alert')).toContainText('too large')
})

test('a photo with no face says so', async ({ page }) => {
  await upload(page, 'gen__noise_512.png')
  await expect(page.getByRole('alert')).toHaveAttribute('data-code', 'no_face')
  await expect(page.getByRole('alert')).toContainText('No face was found')
})

test('models page: a card per model and the per-race accuracy of both race models', async ({ page }) => {
  const response = await page.request.get(`${baseUrl()}/models`)
  const { models } = (await response.json()) as { models: { name: string; metrics: Record<string, unknown> }[] }
  await page.goto(`${baseUrl()}/#/models`)
  await expect(page.getByTestId('model-card')).toHaveCount(models.length)
  await expect(page.getByRole('link', { name: 'Models' })).toHaveAttribute('aria-current', 'page')
  const hasByRace = models.some((m) => m.name.startsWith('race') && m.metrics.accuracy_by_race)
  if (hasByRace) {
    const race = models.find((m) => m.name === 'race')!.metrics.accuracy_by_race as Record<string, number | null>
    const bars = page.getByTestId('chart-bar')
    await expect(bars.first()).toBeVisible()
    const measured = Object.entries(race).filter((entry): entry is [string, number] => Number.isFinite(entry[1]))
    for (const [label, accuracy] of measured) {
      const bar = page.locator(`[data-testid="chart-bar"][data-category="${label}"]`).first()
      expect(Number(await bar.getAttribute('data-value'))).toBeCloseTo(accuracy, 6)
    }
  } else {
    await expect(page.getByTestId('no-chart')).toBeVisible()
  }
  await expectAccessible(page)
  await page.screenshot({ path: resolve(screenshots, 'models-page.png'), fullPage: true })
})

test.describe('on a phone-sized screen', () => {
  test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })

  test('the analysis fits the width and stays usable', async ({ page }) => {
    await upload(page, 'multi_face_astronaut_hopper.jpg')
    await expect(page.getByTestId('face-box')).toHaveCount(2)
    await expectRendered(page.getByTestId('model-race_biased').getByTestId('heatmap'))
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    expect(overflow).toBeLessThanOrEqual(0)
    await page.getByTestId('face-box').nth(1).tap()
    await expect(page.getByRole('heading', { name: /^Face 2:/ })).toBeVisible()
    await page.screenshot({ path: resolve(screenshots, 'analysis-phone.png'), fullPage: false })
  })
})
