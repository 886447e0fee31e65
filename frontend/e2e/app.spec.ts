import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { AxeBuilder } from '@axe-core/playwright'
import { expect, test, type Locator, type Page } from '@playwright/test'

const frontend = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const images = process.env.FACEXAI_SHARED_IMAGES ?? resolve(frontend, '../../shared/images')
// `make frontend-screenshots` writes them to docs/screenshots; an ordinary run keeps the tree clean.
const screenshots = resolve(process.env.FACEXAI_SCREENSHOTS_DIR ?? resolve(frontend, 'test-results/screenshots'))
/**
 * The models an analysis runs and the pair it compares, as the running service says (GET /models): every model
 * but those kept for follow-ups (on_request), and compare_default. The untrained bundle has age, gender, race and
 * race_biased (pair race, race_biased); the trained one adds race_control (pair race_control, race_biased).
 */
interface ServedModel {
  name: string
  labels: string[]
  display_name: string
  on_request: boolean
}
let MODELS: string[] = []
let PAIR: [string, string] = ['race', 'race_biased']
test.beforeAll(async ({ playwright }) => {
  const request = await playwright.request.newContext()
  const served = (await (await request.get(`${baseUrl()}/models`)).json()) as {
    models: ServedModel[]
    compare_default: [string, string] | null
  }
  await request.dispose()
  MODELS = served.models.filter((m) => !m.on_request).map((m) => m.name)
  PAIR = served.compare_default ?? PAIR
})
/**
 * An element's screenshot for docs/: the element scrolled into view, where the sticky method bar would cover
 * its top, so the bar is left in the flow meanwhile (through the CSSOM: the app's CSP refuses injected styles).
 */
async function screenshotOf(element: Locator, name: string) {
  const bar = (position: string) =>
    element.page().evaluate((value) => {
      document.querySelectorAll<HTMLElement>('.controls-bar').forEach((node) => (node.style.position = value))
    }, position)
  await bar('static')
  await element.screenshot({ path: resolve(screenshots, name) })
  await bar('')
}
/** Four IG maps with faithfulness, then the comparison, on a shared two-core CPU: up to minutes under load. */
const SLOW = 150_000
/** A class label as the app shows it (src/lib/format.ts classLabel): 'Latino_Hispanic' -> 'Latino/Hispanic'. */
const classLabel = (label: string) => label.replace(/([A-Za-z])_(?=[A-Z])/g, '$1/').replace(/_/g, ' ')

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
async function expectRendered(scope: Locator, timeout = 60_000) {
  await expect(scope).toBeVisible({ timeout })
  await expect
    .poll(() => scope.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), { timeout: 60_000 })
    .toBe(true)
}

/** Every model's display name, as GET /models says (models/manifest.json's display_name). */
async function displayNames(page: Page): Promise<Record<string, string>> {
  const { models } = (await (await page.request.get(`${baseUrl()}/models`)).json()) as {
    models: { name: string; display_name: string }[]
  }
  return Object.fromEntries(models.map((m) => [m.name, m.display_name]))
}

async function upload(page: Page, file: string) {
  await page.goto(`${baseUrl()}/#/`)
  await page.getByTestId('file-input').setInputFiles(resolve(images, file))
}

test('a first visit: one click on a sample shows its faces, predictions and maps', async ({ page }) => {
  await page.goto(`${baseUrl()}/#/`)
  const samples = page.getByRole('button', { name: /^Sample/ })
  await expect(samples).toHaveCount(3)
  await page.screenshot({ path: resolve(screenshots, 'first-visit.png') })
  await page.getByRole('button', { name: /^Sample: two portraits/ }).click()
  await expect(page.getByTestId('face-box')).toHaveCount(2, { timeout: SLOW })
  for (const model of MODELS) {
    const panel = page.getByTestId(`model-${model}`)
    await expect(panel.getByTestId('predicted-label')).not.toBeEmpty({ timeout: SLOW })
    await expectRendered(panel.getByTestId('heatmap'))
  }
})

test('astronaut and Hopper: two faces, four models, overlays, comparison and a class switch', async ({ page }) => {
  await upload(page, 'multi_face_astronaut_hopper.jpg')

  // Two numbered boxes on the photo, two face chips.
  const boxes = page.getByTestId('face-box')
  await expect(boxes).toHaveCount(2)
  // The larger face (Hopper, the second from the left) is chosen first.
  await expect(page.getByRole('button', { name: 'Face 2', exact: true })).toHaveAttribute('aria-pressed', 'true')
  await page.getByRole('button', { name: 'Face 1', exact: true }).click()
  await expect(page.getByTestId('face-chip')).toHaveCount(2)
  await expectRendered(page.getByRole('img', { name: 'Aligned face 2' }))

  // A prediction and a bar per class for each of the four models, from the service's own labels.
  const models = (await (await page.request.get(`${baseUrl()}/models`)).json()) as {
    models: { name: string; labels: string[] }[]
  }
  expect(MODELS).toEqual(expect.arrayContaining(['age', 'gender', 'race', 'race_biased']))
  for (const model of models.models.filter((m) => MODELS.includes(m.name))) {
    const panel = page.getByTestId(`model-${model.name}`)
    await expect(panel.getByTestId('class-row')).toHaveCount(model.labels.length)
    const predicted = (await panel.getByTestId('predicted-label').textContent())?.trim()
    expect(model.labels.map(classLabel)).toContain(predicted)
  }

  // Integrated Gradients arrives model by model (with each map's faithfulness, measured with it: slower);
  // each overlay is a decoded image with its completeness error.
  for (const model of MODELS) {
    const panel = page.getByTestId(`model-${model}`)
    await expectRendered(panel.getByTestId('heatmap'), 150_000)
    await expect(panel.getByTestId('completeness')).toContainText(/\d+\.\d+% with \d+ steps/)
  }
  await expect(page.getByTestId('progress')).toContainText('All explanations ready', { timeout: SLOW })
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
  await expect(compare.getByTestId('compare-summary')).not.toBeEmpty({ timeout: SLOW })
  await expectRendered(compare.getByTestId(`compare-${PAIR[0]}`).getByTestId('heatmap'))
  await expectRendered(compare.getByTestId(`compare-${PAIR[1]}`).getByTestId('heatmap'))
  await expectRendered(compare.getByTestId('difference-image'))
  await expect(compare.getByTestId('compare-correlation')).toHaveText(/^-?\d\.\d\d$/)
  await page.screenshot({ path: resolve(screenshots, 'analysis-desktop.jpg'), fullPage: true, type: 'jpeg', quality: 85 })
  await screenshotOf(compare, 'race-vs-race-biased.png')

  // Class switch: explain a class the race model did not predict.
  const race = page.getByTestId('model-race')
  const predicted = (await race.getByTestId('predicted-label').textContent())!.trim()
  const other = models.models.find((m) => m.name === 'race')!.labels.find((label) => label !== predicted)!
  const before = await race.getByTestId('heatmap').getAttribute('src')
  const otherRow = race.getByRole('button', { name: `${classLabel(other)}: `, exact: false }).first()
  await otherRow.click()
  await expect(otherRow).toHaveAttribute('aria-pressed', 'true')
  await expect(race.getByTestId('explained-target')).toContainText(classLabel(other))
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
  await page.getByTestId('face-chip').first().click()
  await page.getByTestId('face-chip').first().focus()
  await page.keyboard.press('ArrowRight')
  await expect(page.getByTestId('face-chip').nth(1)).toHaveAttribute('aria-pressed', 'true')
  await expect(page.getByTestId('face-chip').nth(1)).toBeFocused()
  await expect(page.getByRole('heading', { name: /^Face 2:/ })).toBeVisible()
  for (const model of MODELS) await expectRendered(page.getByTestId(`model-${model}`).getByTestId('heatmap'))
})

/** The page's visible text, the service's comparison sentence included (it names models by display name). */
async function visibleText(page: Page): Promise<string> {
  return page.evaluate(() => document.body.innerText)
}

/** Whether the running service's OpenAPI schema mentions `word` (a field or parameter still being added). */
async function serviceOffers(page: Page, word: string): Promise<boolean> {
  const response = await page.request.get(`${baseUrl()}/openapi.json`)
  return response.ok() && (await response.text()).includes(`"${word}"`)
}

test('display names: every model is named as GET /models says, never by its id', async ({ page }) => {
  const { models } = (await (await page.request.get(`${baseUrl()}/models`)).json()) as {
    models: { name: string; display_name: string }[]
  }
  const names = Object.fromEntries(models.map((m) => [m.name, m.display_name]))
  // One name per model, and one that reads as a model in a sentence: never a bare "Race" beside "Race (…)".
  expect(names.race_biased).toMatch(/^Race model \(.*biased.*\)$/)
  expect(names.race).toMatch(/^Race model \(/)
  await upload(page, 'multi_face_astronaut_hopper.jpg')
  for (const model of MODELS)
    await expect(page.getByTestId(`model-${model}`).getByRole('heading', { level: 3 })).toHaveText(names[model])
  await expect(page.getByTestId('compare-summary')).not.toBeEmpty({ timeout: SLOW })
  await expect(page.getByTestId('compare')).toContainText(names.race_biased)
  await expect(page.getByTestId('progress')).toContainText('All explanations ready', { timeout: SLOW })
  expect(await visibleText(page)).not.toMatch(/race_biased/)

  await page.goto(`${baseUrl()}/#/models`)
  await expect(page.getByTestId('model-card')).toHaveCount(models.length)
  // further training seeds (run on request only) sit in a collapsed group: open it to see their cards
  if (models.length > MODELS.length) await page.getByTestId('further-seeds').locator('summary').first().click()
  for (const model of models) await expect(page.getByRole('heading', { name: model.display_name, exact: true })).toBeVisible()
  expect(await visibleText(page)).not.toMatch(/race_biased|race_control/)
})

test('help in place, and a high completeness error recomputed with twice the steps', async ({ page }) => {
  await page.goto(`${baseUrl()}/#/`)
  // Few steps of a coarse rule: the completeness error is high, so the warning and its button show.
  await page.getByText('Options').click()
  await page.getByRole('spinbutton', { name: 'Integrated Gradients steps' }).fill('4')
  await page.getByRole('combobox', { name: 'Quadrature rule' }).selectOption('left_riemann')
  await page.getByRole('button', { name: 'Apply and recompute' }).click()
  await page.getByTestId('file-input').setInputFiles(resolve(images, 'multi_face_astronaut_hopper.jpg'))
  await expect(page.getByTestId('progress')).toContainText('All explanations ready', { timeout: SLOW })

  const help = page.getByTestId('method-help')
  await help.getByText('How to read this').click()
  for (const topic of ['Integrated Gradients', 'Grad-CAM', 'Signed view', 'Completeness error'])
    await expect(help.getByRole('term').filter({ hasText: topic })).toBeVisible()
  await expect(help).toContainText('pushed towards the class')

  let warned: Locator | undefined
  for (const model of MODELS) {
    const panel = page.getByTestId(`model-${model}`)
    await expect(panel.getByTestId('completeness')).toContainText('with 4 steps')
    // a warning with a recompute button: not the one for a probability that hardly changes along the path
    if (!warned && (await panel.getByRole('button', { name: 'Recompute with 8 steps' }).count())) warned = panel
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

test('layout: the compared pair side by side, a larger photo, the largest face first, readable labels and chips', async ({ page }) => {
  await page.goto(`${baseUrl()}/#/`)
  const [response] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === '/analyze'),
    page.getByTestId('file-input').setInputFiles(resolve(images, 'multi_face_astronaut_hopper.jpg')),
  ])
  const result = (await response.json()) as { faces: { index: number; box: Record<string, number> }[] }
  const area = (f: (typeof result.faces)[number]) => (f.box.right - f.box.left) * (f.box.bottom - f.box.top)
  const largest = [...result.faces].sort((a, b) => area(b) - area(a))[0]
  await expect(page.getByRole('heading', { name: new RegExp(`^Face ${largest.index + 1}:`) })).toBeVisible()
  await expect(page.getByTestId('face-chip').nth(largest.index)).toHaveAttribute('aria-pressed', 'true')

  // The compared pair side by side on the first row, the other models on the rows below.
  const box = async (model: string) => (await page.getByTestId(`model-${model}`).boundingBox())!
  const [first, second] = await Promise.all(PAIR.map(box))
  expect(Math.abs(first.y - second.y)).toBeLessThan(2)
  expect(second.x).toBeGreaterThan(first.x + first.width - 1)
  for (const other of MODELS.filter((m) => !PAIR.includes(m))) expect((await box(other)).y).toBeGreaterThan(first.y + 10)
  // A larger photo than the old 380 px column allowed.
  expect((await page.getByRole('img', { name: 'The uploaded photo' }).boundingBox())!.width).toBeGreaterThan(450)

  // Each chip sums its face up; class names are whole and without underscores.
  for (const summary of await page.getByTestId('face-summary').all()) await expect(summary).toHaveText(/^[^·]+ · [^·]+ · [^·]+$/)
  const raceRows = page.getByTestId('model-race').getByTestId('class-row')
  await expect(raceRows.filter({ hasText: 'Latino/Hispanic' })).toHaveCount(1)
  await expect(raceRows.filter({ hasText: 'Middle Eastern' })).toHaveCount(1)
  const clipped = await page
    .locator('.bar-label')
    .evaluateAll((labels) => labels.filter((l) => l.scrollWidth > l.clientWidth + 1).map((l) => l.textContent))
  expect(clipped).toEqual([])
  await expect(page.getByTestId('progress')).toContainText('All explanations ready', { timeout: SLOW })
  expect(await visibleText(page)).not.toMatch(/_/)

  // The Align checkbox sits on its label's first line.
  await page.getByText('Options').click()
  const align = page.getByRole('checkbox', { name: /Align faces/ })
  const alignBox = (await align.boundingBox())!
  const labelBox = (await page.locator('label.check', { has: align }).boundingBox())!
  expect(alignBox.y - labelBox.y).toBeLessThan(12)
  expect(alignBox.x - labelBox.x).toBeLessThan(4)

  // Model cards without their own title or internal notes.
  await page.goto(`${baseUrl()}/#/models`)
  const card = page.getByTestId('model-card').filter({ hasText: (await displayNames(page)).race_biased })
  await card.getByText('Model card', { exact: true }).click()
  const text = await card.locator('.markdown').innerText()
  expect(text.length).toBeGreaterThan(100)
  expect(text).not.toMatch(/Model card:|\bissue\s*#?\d/i)
})

test('a face under 60 px wide in the photo is flagged as small', async ({ page }) => {
  // The astronaut shrunk onto a larger canvas: a face about 40 px wide.
  const source = readFileSync(resolve(images, 'astronaut.png')).toString('base64')
  await page.goto(`${baseUrl()}/#/`)
  const png = await page.evaluate(async (data) => {
    const img = new Image()
    img.src = `data:image/png;base64,${data}`
    await img.decode()
    const canvas = document.createElement('canvas')
    canvas.width = 800
    canvas.height = 600
    const context = canvas.getContext('2d')!
    context.fillStyle = '#c8c8c8'
    context.fillRect(0, 0, 800, 600)
    context.imageSmoothingQuality = 'high'
    context.drawImage(img, 50, 50, img.width * 0.4, img.height * 0.4)
    return canvas.toDataURL('image/png').split(',')[1]
  }, source)
  const [response] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === '/analyze'),
    page.getByTestId('file-input').setInputFiles({ name: 'small_face.png', mimeType: 'image/png', buffer: Buffer.from(png, 'base64') }),
  ])
  const result = (await response.json()) as { faces: { box: Record<string, number> }[] }
  const width = result.faces[0].box.right - result.faces[0].box.left
  expect(width).toBeLessThan(60)
  await expect(page.getByTestId('small-face')).toHaveText(`small (${Math.round(width)} px)`)
  await expect(page.getByTestId('small-face-warning')).toContainText(`only ${Math.round(width)} pixels wide`)
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
  // one message, said once, that does not suggest aligning a photo that may show no person at all
  const text = await page.getByRole('alert').innerText()
  expect(text.match(/no face/gi)).toHaveLength(1)
  expect(text).not.toMatch(/align/i)
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

test('faithfulness: each map says how it fares against random deletion, asked for after the first answer', async ({ page }) => {
  test.skip(!(await serviceOffers(page, 'faithfulness')), 'the service does not measure faithfulness yet (issue 11, backend)')
  const requests: URL[] = []
  page.on('request', (request) => requests.push(new URL(request.url())))
  await upload(page, 'multi_face_astronaut_hopper.jpg')
  await expect(page.getByTestId('progress')).toContainText('All explanations ready', { timeout: SLOW })
  // The first answer stays fast: faithfulness comes with the explanation requests only.
  const analyze = requests.find((url) => url.pathname === '/analyze')!
  expect(analyze.searchParams.get('faithfulness')).toBeNull()
  const explanations = requests.filter((url) => url.pathname.includes('/explanations/'))
  expect(explanations.length).toBeGreaterThan(0)
  for (const url of explanations) expect(url.searchParams.get('faithfulness')).toBe('true')

  const figures = /^deletion (\d\.\d\d) vs random (\d\.\d\d) ± (\d\.\d\d) · insertion (\d\.\d\d)$/
  for (const method of ['Integrated Gradients', 'Grad-CAM']) {
    await page.getByRole('radio', { name: method }).check()
    for (const model of MODELS) {
      const panel = page.getByTestId(`model-${model}`)
      await expect(panel.getByTestId('faithfulness-figures')).toHaveText(figures)
      const [, deletion, random, margin] = (await panel.getByTestId('faithfulness-figures').textContent())!.match(figures)!
      const meaning = panel.getByTestId('faithfulness-meaning')
      // the verdict weighs the gap against the random orders' margin (figures rounded: skip the borderline)
      const gap = Number(deletion) - Number(random)
      if (gap < -Number(margin) - 0.01) await expect(meaning).toHaveText(/the map points at what the model uses\.$/)
      else if (gap > Number(margin) + 0.01) await expect(meaning).toHaveText(/the map does not show what the model uses\.$/)
      else if (Math.abs(gap) < Number(margin) - 0.01) await expect(meaning).toHaveText(/this map is no clearer than random\.$/)
    }
  }
  const help = page.getByTestId('method-help')
  await help.getByText('How to read this').click()
  await expect(help.getByRole('term').filter({ hasText: 'Faithfulness' })).toBeVisible()
  await expect(help).toContainText('random order')
})

test('every class of a model on one scale, on request, for the method shown', async ({ page }) => {
  await upload(page, 'multi_face_astronaut_hopper.jpg')
  await expect(page.getByTestId('progress')).toContainText('All explanations ready', { timeout: SLOW })
  const { models } = (await (await page.request.get(`${baseUrl()}/models`)).json()) as { models: { name: string; labels: string[] }[] }
  const labels = models.find((m) => m.name === 'race')!.labels
  const race = page.getByTestId('model-race')
  const [request] = await Promise.all([
    page.waitForRequest((r) => r.url().includes('/grid/race')),
    race.getByRole('button', { name: 'Show every class' }).click(),
  ])
  expect(new URL(request.url()).searchParams.get('method')).toBe('integrated_gradients')
  const grid = race.getByTestId('class-grid')
  const cells = grid.getByTestId('class-grid-cell')
  await expect(cells).toHaveCount(labels.length, { timeout: 120_000 })
  // In the model's order, named as everywhere else, each with its probability as the bars show it.
  expect(await cells.evaluateAll((els) => els.map((el) => el.getAttribute('data-label')))).toEqual(labels)
  for (const [i, label] of labels.entries()) {
    const cell = cells.nth(i)
    await expect(cell.locator('.class-grid-label')).toHaveText(classLabel(label))
    const bar = race.getByRole('button', { name: `${classLabel(label)}: `, exact: false }).first()
    const percent = (await bar.locator('.bar-value').textContent())!.trim()
    await expect(cell.getByTestId('class-grid-probability')).toContainText(percent)
    await expectRendered(cell.getByTestId('heatmap'))
  }
  await expect(grid.getByTestId('colour-scale')).toBeVisible()
  expect(await grid.innerText()).not.toMatch(/_/)
  await screenshotOf(race, 'class-grid.png')

  // Another method: the grid follows it.
  const [gradCam] = await Promise.all([
    page.waitForRequest((r) => r.url().includes('/grid/race') && new URL(r.url()).searchParams.get('method') === 'grad_cam'),
    page.getByRole('radio', { name: 'Grad-CAM' }).check(),
  ])
  expect(gradCam).toBeTruthy()
  const raceName = (await displayNames(page)).race.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  await expect(grid.getByRole('img', { name: new RegExp(`^Grad-CAM of ${raceName} for class`) })).toHaveCount(labels.length)
  await race.getByRole('button', { name: 'Hide every class' }).click()
  await expect(race.getByTestId('class-grid')).toHaveCount(0)
})

test('comparison: the service’s plain-words summary and its strength figures, no model ids, and another pair picked', async ({ page }) => {
  await upload(page, 'multi_face_astronaut_hopper.jpg')
  const compare = page.getByTestId('compare')
  const [response] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname.endsWith('/compare'), { timeout: SLOW }),
    expect(compare.getByTestId('compare-summary')).not.toBeEmpty({ timeout: SLOW }),
  ])
  const body = (await response.json()) as { summary: string; strength?: Record<string, number> }
  await expect(compare.getByTestId('compare-summary')).toHaveText(body.summary)
  expect(body.summary).toContain((await displayNames(page)).race_biased)
  if (body.strength) {
    await expect(compare.getByTestId('compare-strength')).toHaveText(/(weaker than|about as strong|empty)/)
    await expect(compare.getByTestId('compare-strength')).toContainText('mean on the shared scale')
  }
  expect(await compare.innerText()).not.toMatch(/race_biased|_/)
  // another pair through the picker ("Swap" is there whenever both models ran): asked for and shown
  const swapped = page.waitForResponse(
    (r) => {
      const url = new URL(r.url())
      return url.pathname.endsWith('/compare') && url.searchParams.getAll('models').join() === `${PAIR[1]},${PAIR[0]}`
    },
    { timeout: SLOW },
  )
  await compare.getByRole('button', { name: 'Swap' }).click()
  expect((await swapped).status()).toBe(200)
  await expect(compare.getByRole('combobox', { name: 'Compare' })).toHaveValue(PAIR[1])
  await expect(compare.getByRole('combobox', { name: 'with' })).toHaveValue(PAIR[0])
  await expectRendered(compare.getByTestId(`compare-${PAIR[1]}`).getByTestId('heatmap'))
})

/** Mean maps made in the browser: a blob per race, the biased model's weaker and shifted for `changed`. */
async function syntheticPopulationMaps(page: Page, changed: string) {
  return page.evaluate(
    ({ races, changed }) => {
      const draw = (x: number, strength: number) => {
        const canvas = document.createElement('canvas')
        canvas.width = canvas.height = 64
        const context = canvas.getContext('2d')!
        const image = context.createImageData(64, 64)
        for (let i = 0; i < 64 * 64; i++) {
          const [px, py] = [i % 64, Math.floor(i / 64)]
          const value = strength * Math.exp(-((px - x) ** 2 + (py - 32) ** 2) / 120)
          image.data.set([252, 165, 10, Math.round(value * 255)], i * 4)
        }
        context.putImageData(image, 0, 0)
        return canvas.toDataURL('image/png').split(',')[1]
      }
      const race = Object.fromEntries(races.map((r) => [r, draw(32, 0.9)]))
      const biased = Object.fromEntries(races.map((r) => [r, r === changed ? draw(44, 0.5) : draw(33, 0.88)]))
      return { race: { by: race, all: draw(32, 0.9) }, race_biased: { by: biased, all: draw(34, 0.85) } }
    },
    { races: ['White', 'Black', 'Latino_Hispanic', 'East Asian', 'Southeast Asian', 'Indian', 'Middle Eastern'], changed },
  )
}

/**
 * True when the service sends the race models' population maps; else the page's GET /models is
 * answered with the service's own answer plus maps made in the browser (Indian faces changed most).
 */
async function populationMaps(page: Page): Promise<boolean> {
  const response = await page.request.get(`${baseUrl()}/models`)
  const body = (await response.json()) as { models: { name: string; mean_attribution_by_race?: Record<string, string> | null }[] }
  if (body.models.filter((m) => m.name.startsWith('race')).every((m) => m.mean_attribution_by_race)) return true
  test.info().annotations.push({ type: 'note', description: 'population maps injected: the service sent none' })
  await page.goto(`${baseUrl()}/#/`)
  const maps = await syntheticPopulationMaps(page, 'Indian')
  for (const model of body.models) {
    const made = maps[model.name as 'race' | 'race_biased']
    if (made) Object.assign(model, { mean_attribution_by_race: made.by, mean_attribution_all: made.all })
  }
  await page.route('**/models', (route) => route.fulfill({ json: body }))
  return false
}

test('models page: mean maps by race of both race models and their difference, with the largest differences in words', async ({ page }) => {
  const real = await populationMaps(page)
  await page.goto(`${baseUrl()}/#/models`)
  const population = page.getByTestId('population')
  const rows = population.getByTestId('population-row')
  await expect(rows).toHaveCount(8)
  await expect(rows.last().getByRole('rowheader')).toContainText('All faces')
  for (const row of await rows.all())
    for (const id of ['population-first', 'population-second', 'population-difference']) await expectRendered(row.getByTestId(id))
  const summary = population.getByTestId('population-summary')
  const names = await displayNames(page)
  const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  // the audit's maps (the bundle's) name only significant differences, or say there is none
  if (real)
    await expect(summary).toHaveText(
      new RegExp(`^(No significant difference|On .+ faces ${escaped(names.race_biased)} puts [\\d.]+ points (more|less) on the )`),
    )
  else await expect(summary).toContainText(`differs most from ${names.race}'s for Indian faces`)
  await expect(population.getByRole('columnheader', { name: names.race_biased })).toBeVisible()
  expect(await population.innerText()).not.toMatch(/_/)
  await expectAccessible(page)
  if (real) await screenshotOf(population, 'population-maps.png')
})

/** Elements wider than the layout viewport (window.innerWidth grows with the page on a phone). */
function overflowing(page: Page, root = 'main'): Promise<string[]> {
  return page.evaluate((root) => {
    const width = document.documentElement.clientWidth
    const wide: string[] = []
    if (document.documentElement.scrollWidth > width) wide.push(`document scrollWidth ${document.documentElement.scrollWidth} > ${width}`)
    for (const element of Array.from(document.querySelectorAll<HTMLElement>(`${root} *`))) {
      const rect = element.getBoundingClientRect()
      if (rect.width === 0 || getComputedStyle(element).position === 'fixed') continue
      if (rect.right > width + 0.5) {
        const name = `${element.tagName.toLowerCase()}${element.className ? '.' + String(element.className).split(' ')[0] : ''}`
        wide.push(`${name} right ${Math.round(rect.right)} > ${width}`)
      }
    }
    return wide
  }, root)
}

/**
 * Words of the elements matching `selector` that the layout broke across lines ("Latino/Hispani|c"):
 * each word (split at spaces, and after a slash or a hyphen) must lie on one line box.
 */
function brokenWords(page: Page, selector: string): Promise<string[]> {
  return page.evaluate((selector) => {
    const broken: string[] = []
    for (const element of Array.from(document.querySelectorAll<HTMLElement>(selector))) {
      const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT)
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.textContent ?? ''
        // a line may break after a slash or a hyphen ("under-|represented"), not inside a word
        for (const match of text.matchAll(/[^\s/-]+[/-]?/g)) {
          const range = document.createRange()
          range.setStart(node, match.index)
          range.setEnd(node, match.index + match[0].replace(/[/-]$/, '').length)
          const tops = new Set(Array.from(range.getClientRects()).filter((r) => r.width > 0).map((r) => Math.round(r.top)))
          if (tops.size > 1) broken.push(`${match[0]} in ${element.tagName.toLowerCase()}.${element.className}`)
        }
      }
    }
    return broken
  }, selector)
}

test.describe('on a phone-sized screen', () => {
  test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })

  test('the analysis fits the width and stays usable', async ({ page }) => {
    await upload(page, 'multi_face_astronaut_hopper.jpg')
    await expect(page.getByTestId('face-box')).toHaveCount(2)
    await expectRendered(page.getByTestId('model-race_biased').getByTestId('heatmap'))
    await expect(page.getByTestId('compare-summary')).not.toBeEmpty({ timeout: SLOW })
    await expect(page.getByTestId('progress')).toContainText('All explanations ready', { timeout: SLOW })
    expect(await overflowing(page)).toEqual([])
    // The results were scrolled into view after the upload.
    const top = await page.getByTestId('results').evaluate((el) => el.getBoundingClientRect().top)
    expect(top).toBeGreaterThanOrEqual(-2)
    expect(top).toBeLessThan(100)
    // The method and opacity controls stay in reach (sticky) deep in the panels.
    await page.getByTestId('model-age').scrollIntoViewIfNeeded()
    const bar = (await page.getByTestId('controls-bar').boundingBox())!
    expect(bar.y).toBeGreaterThanOrEqual(-1)
    expect(bar.y).toBeLessThan(5)
    await expect(page.getByRole('slider', { name: /Heatmap opacity/ })).toBeInViewport()
    await page.getByRole('radio', { name: 'Grad-CAM' }).check()
    await page.getByRole('radio', { name: 'Integrated Gradients' }).check()
    // The sticky bar is one compact line: at most 90 px of the 844, no control wrapped onto a second line.
    const controls = page.getByTestId('controls-bar')
    expect(bar.height).toBeLessThanOrEqual(90)
    const tops = await controls.locator('label').evaluateAll((labels) =>
      labels.filter((l) => l.getBoundingClientRect().width > 0).map((l) => [l.getBoundingClientRect().top, l.getBoundingClientRect().height]),
    )
    for (const [, height] of tops) expect(height).toBeLessThan(40) // no label wraps
    // both methods named on the bar (short on a phone: 'IG', 'Grad-CAM')
    for (const name of ['IG', 'Grad-CAM']) await expect(controls.getByText(name, { exact: true })).toBeVisible()
    expect(Math.max(...tops.map(([t]) => t)) - Math.min(...tops.map(([t]) => t))).toBeLessThan(12) // one row
    expect(await controls.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true)
    // and nothing on it overlaps: the method buttons, the check and the slider side by side
    const boxes = await controls.locator('.toggle label, label.check, label.opacity').evaluateAll((els) =>
      els.map((el) => [el.getBoundingClientRect().left, el.getBoundingClientRect().right]),
    )
    for (let i = 1; i < boxes.length; i++) expect(boxes[i][0]).toBeGreaterThanOrEqual(boxes[i - 1][1] - 1)

    // No class name is broken inside a word (was "Latino/Hispani c").
    expect(await brokenWords(page, '.bar-label, .face-summary, .prediction-label')).toEqual([])

    // Every class of the race model, opened: it wraps within the panel.
    await page.getByTestId('model-race').getByRole('button', { name: 'Show every class' }).click()
    await expect(page.getByTestId('model-race').getByTestId('class-grid-cell')).toHaveCount(7, { timeout: 120_000 })
    expect(await overflowing(page)).toEqual([])
    expect(await brokenWords(page, '.class-grid-label, .colour-scale')).toEqual([])
    const latino = page.getByTestId('model-race').locator('.class-grid-label', { hasText: 'Latino/Hispanic' })
    expect(await latino.evaluate((el) => el.getClientRects().length)).toBeGreaterThan(0)

    // Last, as it sets the service to work on the second face:
    // A tap on a face in the photo brings that face's predictions into view, their heading clear of the sticky bar.
    for (const face of [2, 1]) {
      await page.evaluate(() => window.scrollTo(0, 0))
      await page.getByTestId('face-box').nth(face - 1).tap()
      const heading = page.getByRole('heading', { name: new RegExp(`^Face ${face}:`) })
      await expect(heading).toBeInViewport()
      await expect
        .poll(async () => {
          const [h, b] = [await heading.boundingBox(), await controls.boundingBox()]
          return h && b ? Math.round(h.y - (b.y + b.height)) : -1
        })
        .toBeGreaterThanOrEqual(0)
      // the first panel (the compared pair's first model) with its prediction in view
      await expect(page.getByTestId(`model-${PAIR[0]}`).getByTestId('predicted-label')).toBeInViewport()
    }
    await page.screenshot({ path: resolve(screenshots, 'analysis-phone.png'), fullPage: false })
  })

  test('the models page’s population grid fits the width', async ({ page }) => {
    await populationMaps(page)
    await page.goto(`${baseUrl()}/#/models`)
    await expect(page.getByTestId('model-card').first()).toBeVisible()
    await expect(page.getByTestId('population-row')).toHaveCount(8)
    await expect(page.getByTestId('population-summary')).toContainText(/differs most|significant/)
    for (const image of await page.getByTestId('population-difference').all()) await expectRendered(image)
    // the statistics of a race, opened, fit too (on a phone each region is a block of labelled lines)
    const stats = page.getByTestId('population-stats-race')
    if (await stats.count()) await stats.first().locator('summary').click()
    expect(await overflowing(page, '[data-testid="population"]')).toEqual([])
    expect(await overflowing(page, '[data-testid="model-card"] header')).toEqual([])
    expect(await overflowing(page, '[data-testid="model-card"] > p')).toEqual([])
    expect(await brokenWords(page, '.population-race, .model-card > p, .model-card header')).toEqual([])
  })

  test('the models page reads on a phone: chart text at least 11 px, faces per race written, card tables', async ({ page }) => {
    await page.goto(`${baseUrl()}/#/models`)
    await expect(page.getByTestId('model-card').first()).toBeVisible()
    expect(await overflowing(page)).toEqual([])
    const chart = page.getByTestId('accuracy-chart')
    if (await chart.count()) {
      // rendered size = font size in the drawing's units × the drawing's scale on screen
      const sizes = await chart.locator('svg text').evaluateAll((texts) =>
        texts.map((t) => parseFloat(getComputedStyle(t).fontSize) * ((t as SVGGraphicsElement).getScreenCTM()?.a ?? 0)),
      )
      expect(Math.min(...sizes)).toBeGreaterThanOrEqual(11)
      // the faces behind each race's bars, written out (touch cannot hover for a tooltip)
      await expect(chart.getByTestId('chart-n').first()).toBeVisible()
      await expect(chart.getByTestId('chart-n').first()).toHaveText(/\d+ faces/)
      expect(await brokenWords(page, '[data-testid="fairness-text"]')).toEqual([])
    }
    // a card's Markdown tables are tables, not '| race | n |' text
    const card = page.getByTestId('model-card').first()
    await card.getByText('Model card', { exact: true }).click()
    if (await card.locator('.markdown table').count()) {
      await expect(card.locator('.markdown')).not.toContainText('| --- |')
      expect(await overflowing(page)).toEqual([])
    }
  })
})
