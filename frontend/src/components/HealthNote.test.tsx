import { render, screen } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { jsonResponse } from '../test/fixtures'
import { HealthNote } from './HealthNote'

afterEach(() => vi.unstubAllGlobals())

function health(body: Record<string, unknown>, status = 200) {
  vi.stubGlobal(
    'fetch',
    vi.fn(async () => jsonResponse({ models_loaded: 4, models_total: 5, models: [], detail: null, store: 'memory', ...body }, status)),
  )
}

describe('HealthNote', () => {
  it('names the models that failed to load while the others are served (200 degraded)', async () => {
    health({ status: 'degraded', failed: { mine: "model 'mine': unknown preprocessing 'none'" } })
    render(<HealthNote />)
    expect(await screen.findByTestId('health-degraded')).toHaveTextContent('Not served: mine (failed to load')
    expect(screen.getByTestId('health-degraded')).toHaveTextContent('The other models work.')
  })

  it('says nothing when every model is served', async () => {
    health({ status: 'ok', failed: {} })
    const { container } = render(<HealthNote />)
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(container).toBeEmptyDOMElement()
  })
})
