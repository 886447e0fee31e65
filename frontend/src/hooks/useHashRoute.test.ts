import { describe, expect, it } from 'vitest'
import { routeOf } from './useHashRoute'

describe('routeOf', () => {
  it.each([
    ['', 'analyze'],
    ['#/', 'analyze'],
    ['#/models', 'models'],
    ['#models', 'models'],
    ['#/models?x=1', 'models'],
    ['#/modelsx', 'analyze'],
  ])('%s -> %s', (hash, route) => expect(routeOf(hash)).toBe(route))
})
