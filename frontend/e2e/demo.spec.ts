// The static demo (`make demo`) in Chromium, served by a plain static server under /facexai/ with NO service:
// e2e/demo-setup.ts built it (the astronaut, the gender model's class grids) and serves it. Run it with
// `npm run e2e:demo` (playwright.demo.config.ts).
import { AxeBuilder } from '@axe-core/playwright'
import { expect, test, type Locator, type Page } from '@playwright/test'

interface Recorded {
  samples: Record<string, number>
  responses: Record<string, string>
}
interface ServedModel {
  name: string
  on_request: boolean
}

function demoUrl(): string {
  const url = process.env.FACEXAI_DEMO_URL
  if (!url) throw new Error('FACEXAI_DEMO_URL unset: the demo setup did not serve the demo')
  return url
}

async function expectRendered(image: Locator) {
  await expect(image).toBeVisible()
  await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true)
}

async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze()
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([])
}

test('the static demo: a sample’s predictions, maps, comparison and class grid, and the models page, with no service', async ({
  page,
}) => {
  const base = demoUrl()
  const index = (await (await page.request.get(`${base}api/index.json`)).json()) as Recorded
  const served = (await (await page.request.get(`${base}api/models.json`)).json()) as { models: ServedModel[] }
  const analysed = served.models.filter((m) => !m.on_request).map((m) => m.name)

  // Everything the page asks for lies under the demo's own path; nothing breaks the Content-Security-Policy.
  const elsewhere: string[] = []
  page.on('request', (request) => {
    if (!request.url().startsWith(base) && !request.url().startsWith('data:') && !request.url().startsWith('blob:'))
      elsewhere.push(request.url())
  })
  const violations: string[] = []
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text())
  })
  page.on('pageerror', (error) => violations.push(error.message))

  await page.goto(base)
  await expect(page.getByTestId('demo-note')).toContainText('This is a static demo.')
  await expect(page.getByTestId('demo-note')).toContainText('Quick start')
  await expect(page.getByTestId('uploads-off')).toContainText('Uploading your own photo is off')
  await expect(page.getByTestId('file-input')).toHaveCount(0)
  await expectAccessible(page)

  // One click on a sample: its recorded analysis, shown exactly as the live app shows one.
  await page.getByRole('button', { name: /^Sample: astronaut/ }).click()
  await expect(page.getByTestId('face-box')).toHaveCount(index.samples.astronaut)
  await expect(page.getByTestId('progress')).toContainText('All explanations ready')
  for (const model of analysed) {
    const panel = page.getByTestId(`model-${model}`)
    await expect(panel.getByTestId('predicted-label')).not.toBeEmpty()
    await expectRendered(panel.getByTestId('heatmap'))
    await expect(panel.getByTestId('completeness')).toContainText(/\d+\.\d+% with \d+ steps/)
    await expect(panel.getByTestId('faithfulness')).toBeVisible()
  }
  const compare = page.getByTestId('compare')
  await expect(compare.getByTestId('compare-summary')).not.toBeEmpty()
  await expectRendered(compare.getByTestId('difference-image'))
  // only the default pair was recorded: no picker offering pairs the demo cannot show
  await expect(compare.getByRole('combobox', { name: 'Compare' })).toHaveCount(0)

  // Grad-CAM: every model's map and the comparison again, from the recordings.
  await page.getByRole('radio', { name: 'Grad-CAM' }).check()
  for (const model of analysed) await expectRendered(page.getByTestId(`model-${model}`).getByTestId('heatmap'))
  await expect(compare.getByTestId('compare-summary')).not.toBeEmpty()
  await expectRendered(compare.getByTestId('difference-image'))
  await page.getByRole('radio', { name: 'Integrated Gradients' }).check()

  // The class grid recorded for this face (gender), and a clear word for one that was not (race).
  const gender = page.getByTestId('model-gender')
  await gender.getByRole('button', { name: 'Show every class' }).click()
  await expect(gender.getByTestId('class-grid-cell')).toHaveCount(2)
  await expectRendered(gender.getByTestId('class-grid-cell').first().getByTestId('heatmap'))
  const recordedRace = Object.keys(index.responses).some((key) => key.includes('/grid/race?'))
  if (!recordedRace) {
    const race = page.getByTestId('model-race')
    await race.getByRole('button', { name: 'Show every class' }).click()
    await expect(race.getByTestId('class-grid')).toContainText('Not in the demo')
  }
  await expect(gender.getByTestId('heatmap').first()).toBeVisible() // the page still stands
  await expectAccessible(page)

  // A sample the demo did not record (this test's build has only the astronaut) says so.
  if (!('grace_hopper' in index.samples)) {
    await page.getByRole('button', { name: /^Sample: Grace Hopper/ }).click()
    await expect(page.getByTestId('error')).toHaveAttribute('data-code', 'not_in_demo')
    await expect(page.getByTestId('error')).toContainText('Not in the demo')
  }

  // The models page, from the recorded GET /models.
  await page.getByRole('link', { name: 'Models' }).click()
  await expect(page.getByTestId('model-card')).toHaveCount(served.models.length)
  await expect(page.getByTestId('demo-note')).toBeVisible()

  expect(elsewhere).toEqual([])
  expect(violations).toEqual([])
})
