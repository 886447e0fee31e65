// The static demo (make demo) as a whole: the app built with VITE_FACEXAI_DEMO=1 over a static host that
// holds the recordings (api/index.json and its files), with no service behind it.
import { render, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import App from './App'
import { fnv1a32 } from './api/recorded'
import { DemoNote } from './components/DemoNote'
import { LookHarder } from './components/LookHarder'
import { repoUrl } from './demo'
import { analyzeResponse, FAITHFUL, gradCam, integratedGradients, jsonResponse, modelInfo, modelsResponse } from './test/fixtures'

const SAMPLE = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3])

/** What scripts/build_demo.py writes for the astronaut: the upload and its faces' explanations; no comparison. */
function recordings(): Record<string, unknown> {
  const result = analyzeResponse(1, ['age', 'gender', 'race', 'race_biased'])
  const files: Record<string, unknown> = {
    'models.json': modelsResponse(['age', 'gender', 'race', 'race_biased'].map((name) => modelInfo(name))),
    'health.json': { status: 'ok', models_loaded: 4, models_total: 4 },
    'astronaut/analyze.json': result,
  }
  const responses: Record<string, string> = {
    'GET /models': 'models.json',
    'GET /health': 'health.json',
    [`POST /analyze?align=true&explain=grad_cam body=${fnv1a32(SAMPLE)}`]: 'astronaut/analyze.json',
  }
  for (const face of result.faces) {
    for (const [model, explained] of Object.entries(face.explanations ?? {})) {
      const target = explained.target
      const file = `astronaut/face${face.index}/explanation-${model}.json`
      files[file] = {
        target,
        target_probability: 0.6,
        integrated_gradients: { ...integratedGradients(face.index, model, target), faithfulness: FAITHFUL },
        grad_cam: { ...gradCam(face.index, model, target), faithfulness: FAITHFUL },
      }
      responses[`GET /analyses/abc123/faces/${face.index}/explanations/${model}?explain=both&faithfulness=true&target=${target}`] = file
    }
  }
  files['index.json'] = { kind: 'facexai-demo', responses }
  return files
}

describe('the static demo', () => {
  const requested: string[] = []
  beforeEach(() => {
    vi.stubEnv('VITE_FACEXAI_DEMO', '1')
    requested.length = 0
    const files = recordings()
    vi.stubGlobal(
      'fetch',
      vi.fn(async (input: URL | string) => {
        const url = new URL(input, document.baseURI)
        requested.push(url.pathname)
        if (url.pathname.endsWith('/samples/astronaut.jpg')) return new Response(new Blob([SAMPLE], { type: 'image/jpeg' }))
        const path = url.pathname.replace(/^.*?\/api\//, '')
        return url.pathname.includes('/api/') && path in files ? jsonResponse(files[path]) : new Response('', { status: 404 })
      }),
    )
  })
  afterEach(() => {
    vi.unstubAllGlobals()
    vi.unstubAllEnvs()
  })

  it('says what it is, analyses a sample from the recordings, and says "not in the demo" for the rest', async () => {
    const user = userEvent.setup()
    render(<App />)
    const note = screen.getByTestId('demo-note')
    expect(note).toHaveTextContent('This is a static demo.')
    expect(note).toHaveTextContent('Uploading your own photo is off here.')
    expect(note).toHaveTextContent(/Quick start/)

    await user.click(screen.getByRole('button', { name: /^Sample: astronaut/ }))
    expect(await screen.findByTestId('predictions')).toHaveTextContent('Face 1: predictions and explanations')
    await waitFor(() => expect(screen.getByTestId('progress')).toHaveTextContent('All explanations ready'))
    const race = screen.getByTestId('model-race')
    expect(within(race).getByTestId('completeness')).toHaveTextContent(/with 32 steps/)
    // the comparison was not recorded here: the page says so instead of breaking
    const compare = await screen.findByTestId('compare')
    expect(await within(compare).findByText(/^Not in the demo/)).toBeInTheDocument()
    // every request went to the recordings or the sample beside the page, never to an API path
    expect(requested.every((path) => path.startsWith('/api/') || path.startsWith('/samples/'))).toBe(true)
    expect(screen.queryByTestId('look-harder')).toBeNull()
  })
})

describe('repoUrl', () => {
  afterEach(() => vi.unstubAllEnvs())

  it('is the build’s VITE_FACEXAI_REPO_URL, else the repository of a GitHub Pages site, else unknown', () => {
    expect(repoUrl({ hostname: 'someone.github.io', pathname: '/facexai/' })).toBe('https://github.com/someone/facexai')
    expect(repoUrl({ hostname: 'example.org', pathname: '/facexai/' })).toBeUndefined()
    expect(repoUrl({ hostname: 'someone.github.io', pathname: '/' })).toBeUndefined()
    vi.stubEnv('VITE_FACEXAI_REPO_URL', 'https://git.example.org/team/facexai')
    expect(repoUrl({ hostname: 'someone.github.io', pathname: '/x/' })).toBe('https://git.example.org/team/facexai')
  })
})

describe('outside the demo', () => {
  it('shows no demo note and offers "Look harder"', () => {
    render(
      <>
        <DemoNote />
        <LookHarder onClick={() => undefined} found={1} />
      </>,
    )
    expect(screen.queryByTestId('demo-note')).toBeNull()
    expect(screen.getByTestId('look-harder')).toBeInTheDocument()
  })
})
