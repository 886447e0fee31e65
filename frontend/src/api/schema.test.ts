// @vitest-environment node
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { specText, typesFromSpec } from '../../scripts/api-types.mjs'

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8')

// `npm run check:api` (make frontend-test) checks openapi.json against the running backend code;
// this checks, without Python, that the committed types are what that schema generates.
describe('generated API types', () => {
  it('src/api/schema.ts is generated from the committed openapi.json', async () => {
    const spec = JSON.parse(read('../../openapi.json'))
    expect(read('../../openapi.json')).toBe(specText(spec))
    expect(read('./schema.ts')).toBe(await typesFromSpec(spec))
  })

  it('the schema has every path the app calls', () => {
    const spec = JSON.parse(read('../../openapi.json')) as { paths: Record<string, unknown> }
    expect(Object.keys(spec.paths).sort()).toEqual(
      expect.arrayContaining([
        '/analyze',
        '/analyses/{analysis_id}/faces/{face_index}/explanations/{model}',
        '/analyses/{analysis_id}/faces/{face_index}/compare',
        '/models',
        '/health',
      ]),
    )
  })
})
