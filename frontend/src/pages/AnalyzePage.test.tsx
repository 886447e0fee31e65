import { cleanup, render, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { ExplainMode } from '../api/types'
import { ModelsProvider } from '../hooks/modelNames'
import {
  FAITHFUL,
  analyzeResponse,
  comparison,
  gradCam,
  integratedGradients,
  jsonResponse,
  LABELS,
  modelInfo,
  modelsResponse,
} from '../test/fixtures'
import { AnalyzePage } from './AnalyzePage'


/** A stand-in for the service: answers like it, records every request and how many ran at once. */
class FakeService {
  /** the analysis's requests, in order (GET /models, the page's shared answer, is counted apart) */
  requests: URL[] = []
  /** how many times GET /models was asked */
  modelsRequests = 0
  inFlight = 0
  maxInFlight = 0
  /** while set, explanation requests wait until release() */
  private held: (() => void)[] = []
  holdExplanations = false
  /** while set, comparison requests wait until release() */
  holdComparisons = false
  analyzeStatus = 200
  /** answer every follow-up request with 404 analysis_not_found, as after the server's 10 minutes */
  forgotten = false
  analyzeBody: unknown = analyzeResponse()
  /** false: maps answered without their faithfulness */
  measuresFaithfulness = true
  /** GET /models's answer */
  modelsBody: unknown = modelsResponse(['age', 'gender', 'race', 'race_biased'].map((name) => modelInfo(name)))
  /** another seed of the first compared model, explained by the compare follow-up (undefined: none) */
  reference: string | undefined
  /** the analyses DELETE /analyses/{id} was sent for, in order */
  deleted: string[] = []
  /** DELETE's answer: 204, or an error's status (404 analysis_not_found, 503 store_unavailable) */
  deleteStatus = 204
  /** models the compare follow-up refuses to compare with another (422 models_not_comparable) */
  incomparable: string[] = []

  fetch = async (request: Request): Promise<Response> => {
    const url = new URL(request.url)
    if (url.pathname === '/models') {
      this.modelsRequests += 1
      return jsonResponse(this.modelsBody)
    }
    this.requests.push(url)
    this.inFlight += 1
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight)
    try {
      if (this.holdExplanations && url.pathname.includes('/explanations/'))
        await new Promise<void>((resolve) => this.held.push(resolve))
      if (this.holdComparisons && url.pathname.endsWith('/compare')) await new Promise<void>((resolve) => this.held.push(resolve))
      await new Promise((r) => setTimeout(r, 1))
      if (request.method === 'DELETE') return this.forget(url)
      return this.answer(url)
    } finally {
      this.inFlight -= 1
    }
  }

  release() {
    this.holdExplanations = false
    this.holdComparisons = false
    this.held.splice(0).forEach((resolve) => resolve())
  }

  private forget(url: URL): Response {
    this.deleted.push(url.pathname.split('/')[2])
    if (this.deleteStatus === 204) return new Response(null, { status: 204 })
    const code = this.deleteStatus === 404 ? 'analysis_not_found' : 'store_unavailable'
    return jsonResponse({ code, detail: 'not now' }, this.deleteStatus)
  }

  private answer(url: URL): Response {
    const path = url.pathname.split('/').filter(Boolean)
    if (url.pathname === '/analyze') return jsonResponse(this.analyzeBody, this.analyzeStatus)
    if (this.forgotten && path[0] === 'analyses')
      return jsonResponse({ code: 'analysis_not_found', detail: 'unknown or expired analysis' }, 404)
    if (path[0] === 'analyses' && path[4] === 'explanations') {
      const face = Number(path[3])
      const model = path[5]
      const target = url.searchParams.get('target')!
      const explain = url.searchParams.get('explain') as ExplainMode
      const measured = this.measuresFaithfulness && url.searchParams.get('faithfulness') === 'true' ? { faithfulness: FAITHFUL } : {}
      return jsonResponse({
        target,
        target_probability: 0.2,
        integrated_gradients: explain === 'grad_cam' ? null : { ...integratedGradients(face, model, target), ...measured },
        grad_cam: explain === 'integrated_gradients' ? null : { ...gradCam(face, model, target), ...measured },
      })
    }
    if (path[0] === 'analyses' && path[4] === 'compare') {
      const [a, b] = url.searchParams.getAll('models')
      const refused = [a, b].find((model) => this.incomparable.includes(model))
      if (refused) return jsonResponse({ code: 'models_not_comparable', detail: `no label of ${refused} maps onto a label of race` }, 422)
      const method = (url.searchParams.get('method') ?? 'integrated_gradients') as 'integrated_gradients'
      return jsonResponse(comparison(url.searchParams.get('target')!, method, [a ?? 'race', b ?? 'race_biased'], this.reference))
    }
    if (path[0] === 'analyses' && path[4] === 'grid') {
      const method = url.searchParams.get('method') as 'integrated_gradients' | 'grad_cam'
      const labels = LABELS[path[5]]
      const classes = Object.fromEntries(
        labels.map((label) => [label, { image: `GRIMG-${label}`, heatmap: `GR-${method}-${label}`, probability: 1 / labels.length, max_value: 0.5 }]),
      )
      return jsonResponse({ method, scale_max: 0.0123, classes })
    }
    if (url.pathname === '/models') return jsonResponse(this.modelsBody)
    if (url.pathname === '/health') return jsonResponse({ status: 'ok', models_loaded: 4, models: [] })
    return jsonResponse({ code: 'not_found', detail: url.pathname }, 404)
  }

  paths(): string[] {
    return this.requests.map((url) => {
      const query = [...url.searchParams.entries()].map(([k, v]) => `${k}=${v}`).join('&')
      return `${url.pathname}?${query}`
    })
  }
}

let service: FakeService
beforeEach(() => {
  service = new FakeService()
  vi.stubGlobal('fetch', vi.fn(service.fetch))
})
afterEach(() => {
  // unmounted first: its requests still queued are dropped, not sent to the real fetch once unstubbed
  cleanup()
  vi.unstubAllGlobals()
})

/** The page as the app shows it: under the shared GET /models answer (compare_default, the models' tasks). */
const renderPage = () =>
  render(
    <ModelsProvider>
      <AnalyzePage />
    </ModelsProvider>,
  )

const photo = () => new File([new Uint8Array([0xff, 0xd8])], 'team photo.jpg', { type: 'image/jpeg' })

describe('AnalyzePage', () => {
  it('shows predictions and Grad-CAM first, then Integrated Gradients one model at a time, then the comparison', async () => {
    const user = userEvent.setup()
    renderPage()
    await user.upload(screen.getByLabelText('Photo to analyse'), photo())

    expect(await screen.findAllByTestId('face-box')).toHaveLength(2)
    expect(service.paths()[0]).toBe('/analyze?align=true&explain=grad_cam')
    for (const model of ['age', 'gender', 'race', 'race_biased'])
      expect(within(screen.getByTestId(`model-${model}`)).getAllByTestId('class-row').length).toBeGreaterThan(1)

    await waitFor(() => expect(screen.getByTestId('compare-summary')).toHaveTextContent('Explaining “White”'))
    expect(screen.getByTestId('progress')).toHaveTextContent('All explanations ready')
    // Faithfulness comes with the explanation requests (not the upload, which stays fast), and
    // Grad-CAM is asked for again beside IG because the upload's came without it.
    expect(service.paths().slice(1)).toEqual([
      '/analyses/abc123/faces/0/explanations/age?target=30-39&explain=both&faithfulness=true',
      '/analyses/abc123/faces/0/explanations/gender?target=Female&explain=both&faithfulness=true',
      '/analyses/abc123/faces/0/explanations/race?target=White&explain=both&faithfulness=true',
      '/analyses/abc123/faces/0/explanations/race_biased?target=White&explain=both&faithfulness=true',
      '/analyses/abc123/faces/0/compare?models=race&models=race_biased&method=integrated_gradients&target=White',
    ])
    expect(within(screen.getByTestId('model-race')).getByTestId('faithfulness-figures')).toHaveTextContent(
      'deletion 0.21 vs random 0.48 ± 0.05 · insertion 0.71',
    )
    expect(service.maxInFlight).toBe(1)
    const heat = within(screen.getByTestId('model-race_biased')).getByTestId('heatmap')
    expect(heat).toHaveAttribute('src', 'data:image/png;base64,IG-0-race_biased-White')

    // The method toggle switches every overlay to Grad-CAM, which came with the first answer.
    await user.click(screen.getByRole('radio', { name: 'Grad-CAM' }))
    expect(within(screen.getByTestId('model-age')).getByTestId('heatmap')).toHaveAttribute(
      'src',
      'data:image/png;base64,GC-0-age-30-39',
    )
    expect(within(screen.getByTestId('model-age')).getByTestId('faithfulness-meaning')).toHaveTextContent('points at what the model uses')
  })

  it('says the comparison is being computed, not waiting, once every explanation is ready', async () => {
    service.holdComparisons = true
    renderPage()
    await userEvent.upload(screen.getByLabelText('Photo to analyse'), photo())
    await waitFor(() => expect(service.paths().at(-1)).toContain('/compare?'))
    expect(screen.getByTestId('progress')).toHaveTextContent('All explanations ready')
    expect(screen.getByTestId('compare')).toHaveTextContent('Comparing with Integrated Gradients')
    expect(screen.getByTestId('compare')).not.toHaveTextContent(/waiting/i)
    service.release()
    await waitFor(() => expect(screen.getByTestId('compare-summary')).toBeInTheDocument())
  })

  it('asks for faithfulness with every explanation, and shows none where an answer has none', async () => {
    service.measuresFaithfulness = false
    renderPage()
    await userEvent.upload(screen.getByLabelText('Photo to analyse'), photo())
    await waitFor(() => expect(screen.getByTestId('compare-summary')).toBeInTheDocument())
    // the client is generated from this very service: no sniffing for one that cannot measure it
    expect(service.paths().slice(1, 3)).toEqual([
      '/analyses/abc123/faces/0/explanations/age?target=30-39&explain=both&faithfulness=true',
      '/analyses/abc123/faces/0/explanations/gender?target=Female&explain=both&faithfulness=true',
    ])
    expect(screen.queryByTestId('faithfulness')).toBeNull()
  })

  it('fetches every class of a model through the queue, ahead of what waits, for the method shown', async () => {
    const user = userEvent.setup()
    service.holdExplanations = true
    renderPage()
    await user.upload(screen.getByLabelText('Photo to analyse'), photo())
    await waitFor(() => expect(service.requests).toHaveLength(2)) // held at age's Integrated Gradients
    const race = screen.getByTestId('model-race')
    await user.click(within(race).getByRole('button', { name: 'Show every class' }))
    expect(within(race).getByTestId('class-grid')).toHaveTextContent('Computing Integrated Gradients for all 7 classes…')
    expect(service.requests).toHaveLength(2) // it waits its turn
    service.release()
    const cells = await within(race).findAllByTestId('class-grid-cell')
    expect(cells).toHaveLength(7)
    expect(service.paths()[2]).toBe('/analyses/abc123/faces/0/grid/race?method=integrated_gradients')
    await waitFor(() => expect(screen.getByTestId('compare-summary')).toBeInTheDocument())
    expect(service.maxInFlight).toBe(1)

    // another method: the grid follows it (the comparison too)
    await user.click(screen.getByRole('radio', { name: 'Grad-CAM' }))
    const white = await within(race).findByRole('img', { name: 'Grad-CAM of Race for class White, shared scale' })
    expect(white).toHaveAttribute('src', 'data:image/png;base64,GR-grad_cam-White')
    expect(service.paths()).toContain('/analyses/abc123/faces/0/grid/race?method=grad_cam')
    await user.click(within(race).getByRole('button', { name: 'Hide every class' }))
    expect(within(race).queryByTestId('class-grid')).toBeNull()
    expect(service.maxInFlight).toBe(1)
  })

  it('puts a class switch ahead of the explanations still waiting', async () => {
    const user = userEvent.setup()
    service.holdExplanations = true
    renderPage()
    await user.upload(screen.getByLabelText('Photo to analyse'), photo())
    await screen.findAllByTestId('face-box')
    // The queue is held at its first IG request (age); now ask for another race class.
    await waitFor(() => expect(service.requests).toHaveLength(2))
    const race = screen.getByTestId('model-race')
    await user.click(within(race).getByRole('button', { name: /^Indian:/ }))
    expect(within(race).getByRole('button', { name: /^Indian:/ })).toHaveAttribute('aria-pressed', 'true')
    service.release()
    await waitFor(() => expect(within(race).getByTestId('explained-target')).toHaveTextContent('Indian'))
    expect(service.paths()[2]).toBe('/analyses/abc123/faces/0/explanations/race?target=Indian&explain=both&faithfulness=true')
    expect(within(race).getByTestId('heatmap')).toHaveAttribute('src', 'data:image/png;base64,IG-0-race-Indian')
    expect(within(race).getByRole('combobox', { name: 'Explain class' })).toHaveValue('Indian')
  })

  it('looks harder with the slower detector when asked, once, and after a photo with no face found', async () => {
    const user = userEvent.setup()
    renderPage()
    await user.upload(screen.getByLabelText('Photo to analyse'), photo())
    expect(await screen.findByTestId('look-harder')).toHaveTextContent('found 2 faces; it can miss turned, small')
    await user.click(screen.getByRole('button', { name: 'Look harder' }))
    await waitFor(() => expect(service.paths()).toContain('/analyze?align=true&explain=grad_cam&detector=cnn'))
    expect(await screen.findAllByTestId('face-box')).toHaveLength(2)
    expect(screen.queryByTestId('look-harder')).toBeNull() // already the thorough detector

    service.analyzeStatus = 422
    service.analyzeBody = { code: 'no_face', detail: 'no face was found in the photo by the hog detector' }
    await user.upload(screen.getByLabelText('Photo to analyse'), photo())
    expect(await screen.findByTestId('look-harder')).toHaveTextContent('The fast face detector found no face.')
  })

  it('explains the second face once it is chosen', async () => {
    const user = userEvent.setup()
    renderPage()
    await user.upload(screen.getByLabelText('Photo to analyse'), photo())
    await waitFor(() => expect(screen.getByTestId('compare-summary')).toBeInTheDocument())
    await user.click(screen.getByRole('button', { name: 'Face 2' }))
    expect(screen.getByRole('heading', { name: /^Face 2:/ })).toBeInTheDocument()
    await waitFor(() =>
      expect(within(screen.getByTestId('model-race_biased')).getByTestId('heatmap')).toHaveAttribute(
        'src',
        'data:image/png;base64,IG-1-race_biased-Black',
      ),
    )
    expect(service.paths()).toContain('/analyses/abc123/faces/1/explanations/age?target=60-69&explain=both&faithfulness=true')
  })

  it('recomputes Integrated Gradients, and the comparison, with new options', async () => {
    const user = userEvent.setup()
    renderPage()
    await user.upload(screen.getByLabelText('Photo to analyse'), photo())
    await waitFor(() => expect(screen.getByTestId('compare-summary')).toBeInTheDocument())
    const before = service.requests.length
    await user.click(screen.getByText('Options'))
    await user.type(screen.getByRole('spinbutton', { name: 'Integrated Gradients steps' }), '64')
    await user.click(screen.getByRole('button', { name: 'Apply and recompute' }))
    await waitFor(() => expect(screen.getByTestId('compare-summary')).toBeInTheDocument())
    await waitFor(() => expect(screen.getByTestId('progress')).toHaveTextContent('All explanations ready'))
    const again = service.paths().slice(before)
    expect(again).toEqual([
      '/analyses/abc123/faces/0/explanations/age?target=30-39&explain=integrated_gradients&ig_steps=64&faithfulness=true',
      '/analyses/abc123/faces/0/explanations/gender?target=Female&explain=integrated_gradients&ig_steps=64&faithfulness=true',
      '/analyses/abc123/faces/0/explanations/race?target=White&explain=integrated_gradients&ig_steps=64&faithfulness=true',
      '/analyses/abc123/faces/0/explanations/race_biased?target=White&explain=integrated_gradients&ig_steps=64&faithfulness=true',
      '/analyses/abc123/faces/0/compare?models=race&models=race_biased&method=integrated_gradients&target=White&ig_steps=64',
    ])
    expect(within(screen.getByTestId('model-gender')).getByTestId('heatmap')).toHaveAttribute(
      'src',
      'data:image/png;base64,IG-0-gender-Female',
    )
  })

  it('offers to analyse the photo again once the server has forgotten the analysis', async () => {
    const user = userEvent.setup()
    service.forgotten = true
    renderPage()
    await user.upload(screen.getByLabelText('Photo to analyse'), photo())
    const note = await screen.findByTestId('expired')
    expect(within(screen.getByTestId('model-age')).getByRole('status')).toHaveTextContent('expired')
    service.forgotten = false
    const analyses = () => service.requests.filter((url) => url.pathname === '/analyze').length
    expect(analyses()).toBe(1)
    await user.click(within(note).getByRole('button', { name: 'Analyse the photo again' }))
    await waitFor(() => expect(screen.getByTestId('progress')).toHaveTextContent('All explanations ready'))
    expect(analyses()).toBe(2)
    expect(screen.queryByTestId('expired')).toBeNull()
  })

  it.each([
    [415, 'unsupported_type', 'not an image: expected JPEG, PNG', /type of file is not supported/, true],
    [422, 'no_face', 'no face was found in the photo', /No face was found/, false],
    [413, 'upload_too_large', 'the upload exceeds 10 MiB', /too large to upload/, true],
  ])('says clearly what went wrong: %i %s', async (status, code, detail, message, detailShown) => {
    service.analyzeStatus = status
    service.analyzeBody = { code, detail }
    renderPage()
    await userEvent.upload(screen.getByLabelText('Photo to analyse'), photo())
    const alert = await screen.findByRole('alert')
    expect(alert).toHaveTextContent(message)
    // the service's detail only where it adds to the headline: no_face's would say it twice
    if (detailShown) expect(alert).toHaveTextContent(detail)
    else expect(alert).not.toHaveTextContent(detail)
    expect(alert).toHaveAttribute('data-code', code)
    expect(screen.queryByTestId('face-box')).toBeNull()
    expect(service.requests).toHaveLength(1)
  })

  /** The page under the shared GET /models answer: once it has answered, a photo is uploaded. */
  async function uploadOnceModelsAnswered(user: ReturnType<typeof userEvent.setup>) {
    render(
      <ModelsProvider>
        <AnalyzePage />
      </ModelsProvider>,
    )
    await waitFor(() => expect(service.modelsRequests).toBe(1))
    await user.upload(screen.getByLabelText('Photo to analyse'), photo())
  }

  it('compares the pair GET /models names (compare_default), fetched once, and says what retraining alone moves', async () => {
    const user = userEvent.setup()
    const served = ['age', 'gender', 'race', 'race_biased', 'race_control']
    // GET /models lists more models than the analysis runs: the further seeds are run on request only
    service.modelsBody = modelsResponse([...served, 'race_biased_2', 'race_control_2'].map((name) => modelInfo(name)), {
      compare_default: ['race_control', 'race_biased'],
    })
    service.analyzeBody = analyzeResponse(2, served)
    service.reference = 'race_control_2'
    await uploadOnceModelsAnswered(user)
    await waitFor(() => expect(screen.getByTestId('compare-summary')).toHaveTextContent('Against retraining'))

    const compares = service.paths().filter((path) => path.includes('/compare?'))
    expect(compares).toEqual([
      '/analyses/abc123/faces/0/compare?models=race_control&models=race_biased&method=integrated_gradients&target=White',
    ])
    expect(service.modelsRequests).toBe(1)
    // a panel for each model the analysis ran, none for the seeds it did not; the compared pair first, side by side
    const panels = Array.from(document.querySelectorAll<HTMLElement>('article.model-panel'))
    expect(panels.map((el) => el.dataset.testid)).toEqual(['model-race_control', 'model-race_biased', 'model-age', 'model-gender', 'model-race'])
    expect(screen.queryByTestId('model-race_biased_2')).toBeNull()
    expect(screen.queryByTestId('model-race_control_2')).toBeNull()
    expect(service.paths().some((path) => /race_(biased|control)_2/.test(path))).toBe(false)

    const compare = screen.getByTestId('compare')
    expect(within(compare).getByRole('heading', { level: 2 })).toHaveTextContent('Race (small balanced data) vs Race (biased training)')
    expect(within(compare).getByTestId('compare-retraining')).toHaveTextContent(
      'Retraining alone (another seed of Race (small balanced data)) moves a region by up to 4 points here; Race (biased training) differs by up to 25 points',
    )
    expect(within(compare).getByRole('columnheader', { name: 'Race (small balanced data, seed 2)' })).toBeInTheDocument()
    expect(within(compare).getByTestId('compare-race_control').querySelector('img')).toBeTruthy()
    expect(screen.getByTestId('progress')).toHaveTextContent('All explanations ready')
  })

  it('compares the pair GET /models names, and nothing where it names none', async () => {
    const user = userEvent.setup()
    await uploadOnceModelsAnswered(user)
    await waitFor(() => expect(screen.getByTestId('compare-summary')).toBeInTheDocument())
    expect(service.paths().filter((path) => path.includes('/compare?'))).toEqual([
      '/analyses/abc123/faces/0/compare?models=race&models=race_biased&method=integrated_gradients&target=White',
    ])
    expect(screen.queryByTestId('compare-retraining')).toBeNull()
    cleanup()

    // a service that names no pair (no biased model with a partner): every explanation, no comparison
    service = new FakeService()
    vi.stubGlobal('fetch', vi.fn(service.fetch))
    service.modelsBody = modelsResponse(['age', 'gender', 'race', 'race_biased'].map((name) => modelInfo(name)), { compare_default: null })
    await uploadOnceModelsAnswered(user)
    await waitFor(() => expect(screen.getByTestId('progress')).toHaveTextContent('All explanations ready'))
    expect(screen.queryByTestId('compare')).toBeNull()
    expect(service.paths().filter((path) => path.includes('/compare?'))).toHaveLength(0)
  })

  it('compares the pair chosen, on every face and method, until a new photo', async () => {
    const user = userEvent.setup()
    const served = ['age', 'gender', 'race', 'race_biased', 'race_control']
    service.modelsBody = modelsResponse([...served, 'race_biased_2', 'race_control_2'].map((name) => modelInfo(name)), {
      compare_default: ['race_control', 'race_biased'],
    })
    service.analyzeBody = analyzeResponse(2, served)
    await uploadOnceModelsAnswered(user)
    await waitFor(() => expect(screen.getByTestId('compare-summary')).toBeInTheDocument())
    const compares = () => service.paths().filter((path) => path.includes('/compare?'))
    const panels = () => Array.from(document.querySelectorAll<HTMLElement>('article.model-panel')).map((el) => el.dataset.testid)
    const compare = screen.getByTestId('compare')
    const first = within(compare).getByRole('combobox', { name: 'Compare' })
    const second = within(compare).getByRole('combobox', { name: 'with' })
    expect(first).toHaveValue('race_control')
    expect(second).toHaveValue('race_biased')

    await user.selectOptions(first, 'Race')
    await waitFor(() => expect(within(compare).getByRole('heading', { level: 2 })).toHaveTextContent('Race vs Race (biased training)'))
    await waitFor(() => expect(screen.getByTestId('compare-summary')).toHaveTextContent('Race rates it'))
    // the panels follow the pair: the two compared first, side by side
    expect(panels()).toEqual(['model-race', 'model-race_biased', 'model-age', 'model-gender', 'model-race_control'])
    await user.selectOptions(second, 'Race (small balanced data, seed 2)')
    await waitFor(() => expect(compares()).toHaveLength(3))
    expect(second).toHaveValue('race_control_2')
    // another method, another face: the same pair
    await user.click(screen.getByRole('radio', { name: 'Grad-CAM' }))
    await waitFor(() => expect(compares()).toHaveLength(4))
    await user.click(screen.getByRole('button', { name: 'Face 2' }))
    await waitFor(() => expect(compares()).toHaveLength(5))
    expect(compares()).toEqual([
      '/analyses/abc123/faces/0/compare?models=race_control&models=race_biased&method=integrated_gradients&target=White',
      '/analyses/abc123/faces/0/compare?models=race&models=race_biased&method=integrated_gradients&target=White',
      '/analyses/abc123/faces/0/compare?models=race&models=race_control_2&method=integrated_gradients&target=White',
      '/analyses/abc123/faces/0/compare?models=race&models=race_control_2&method=grad_cam&target=White',
      '/analyses/abc123/faces/1/compare?models=race&models=race_control_2&method=grad_cam&target=White',
    ])
    expect(within(screen.getByTestId('compare')).getByRole('combobox', { name: 'with' })).toHaveValue('race_control_2')

    // a new photo: the default pair again
    await user.upload(screen.getByLabelText('Photo to analyse'), photo())
    await waitFor(() => expect(compares()).toHaveLength(6))
    expect(compares().at(-1)).toBe('/analyses/abc123/faces/0/compare?models=race_control&models=race_biased&method=grad_cam&target=White')
    expect(within(screen.getByTestId('compare')).getByRole('combobox', { name: 'Compare' })).toHaveValue('race_control')
  })

  it('says why a pair chosen cannot be compared', async () => {
    const user = userEvent.setup()
    const served = ['age', 'gender', 'race', 'race_biased', 'race4']
    service.modelsBody = modelsResponse(served.map((name) => modelInfo(name)))
    service.analyzeBody = analyzeResponse(1, served)
    service.incomparable = ['race4']
    await uploadOnceModelsAnswered(user)
    await waitFor(() => expect(screen.getByTestId('compare-summary')).toBeInTheDocument())
    await user.selectOptions(within(screen.getByTestId('compare')).getByRole('combobox', { name: 'with' }), 'Race4')
    const error = await screen.findByTestId('compare-error')
    expect(error).toHaveAttribute('data-code', 'models_not_comparable')
    expect(error).toHaveTextContent('These two models cannot be compared.')
    expect(error).toHaveTextContent('no label of race4 maps onto a label of race')
    expect(service.paths().filter((path) => path.includes('/compare?')).at(-1)).toBe(
      '/analyses/abc123/faces/0/compare?models=race&models=race4&method=integrated_gradients&target=White',
    )
  })

  it('forgets the photo when asked: DELETE, then back to the upload with nothing of the photo shown', async () => {
    const user = userEvent.setup()
    renderPage()
    await user.upload(screen.getByLabelText('Photo to analyse'), photo())
    await waitFor(() => expect(screen.getByTestId('progress')).toHaveTextContent('All explanations ready'))
    expect(screen.getByText(/keeps this photo’s aligned faces for about 10/)).toBeInTheDocument()
    await user.click(screen.getByRole('button', { name: 'Forget this photo' }))
    await waitFor(() => expect(screen.getByTestId('forgotten')).toHaveTextContent('gone from this page and from the server'))
    expect(service.deleted).toEqual(['abc123'])
    expect(screen.queryByTestId('results')).toBeNull()
    expect(screen.queryByTestId('predictions')).toBeNull()
    expect(screen.getByLabelText('Photo to analyse')).toBeInTheDocument()
    // a new photo: the note goes, and there is nothing left to forget on the server
    await user.upload(screen.getByLabelText('Photo to analyse'), photo())
    await waitFor(() => expect(screen.getByTestId('results')).toBeInTheDocument())
    expect(screen.queryByTestId('forgotten')).toBeNull()
    expect(service.deleted).toEqual(['abc123'])
  })

  it('says so when the server could not be asked to forget, and takes an expired analysis as forgotten', async () => {
    const user = userEvent.setup()
    renderPage()
    await user.upload(screen.getByLabelText('Photo to analyse'), photo())
    await waitFor(() => expect(screen.getByTestId('results')).toBeInTheDocument())
    service.deleteStatus = 503
    await user.click(screen.getByRole('button', { name: 'Forget this photo' }))
    const note = await screen.findByTestId('forgotten')
    expect(note).toHaveTextContent('could not be asked to forget its faces now')
    expect(screen.queryByTestId('results')).toBeNull()

    service.deleteStatus = 404
    await user.upload(screen.getByLabelText('Photo to analyse'), photo())
    await waitFor(() => expect(screen.getByTestId('results')).toBeInTheDocument())
    await user.click(screen.getByRole('button', { name: 'Forget this photo' }))
    await waitFor(() => expect(screen.getByTestId('forgotten')).toHaveTextContent('gone from this page and from the server'))
  })

  it('forgets the old analysis on the server when a new photo replaces it, and goes on if that fails', async () => {
    const user = userEvent.setup()
    renderPage()
    await user.upload(screen.getByLabelText('Photo to analyse'), photo())
    await waitFor(() => expect(screen.getByTestId('results')).toBeInTheDocument())
    expect(service.deleted).toEqual([])
    service.deleteStatus = 503
    service.analyzeBody = { ...analyzeResponse(), analysis_id: 'def456' }
    await user.upload(screen.getByLabelText('Photo to analyse'), photo())
    await waitFor(() => expect(screen.getByTestId('progress')).toHaveTextContent('All explanations ready'))
    expect(service.deleted).toEqual(['abc123'])
    expect(screen.queryByTestId('error')).toBeNull()
    expect(screen.queryByTestId('forgotten')).toBeNull()
    expect(service.paths().some((path) => path.startsWith('/analyses/def456/'))).toBe(true)
  })
})
