import { describe, expect, it } from 'vitest'
import { ApiError, detailText, errorMessage, extraDetail, toApiError } from './errors'

describe('toApiError', () => {
  it('keeps the service code and detail', () => {
    const error = toApiError(422, { code: 'no_face', detail: 'no face was found in the photo' })
    expect(error).toBeInstanceOf(ApiError)
    expect(error.status).toBe(422)
    expect(error.code).toBe('no_face')
    expect(error.message).toBe('no face was found in the photo')
  })

  it('names a bare 413 from a proxy and a bare 503 while loading', () => {
    expect(toApiError(413, '<html>nginx</html>').code).toBe('upload_too_large')
    expect(toApiError(503, undefined).code).toBe('models_loading')
    expect(toApiError(500, undefined).code).toBe('http_500')
  })
})

describe('errorMessage', () => {
  it.each([
    ['no_face', /No face was found/],
    ['invalid_image', /not an image/],
    ['unsupported_type', /not supported/],
    ['upload_too_large', /too large/],
    ['image_too_large', /too large/],
    ['analysis_not_found', /expired/],
    ['busy', /busy.*Try again/],
    ['models_not_ready', /still loading/],
  ])('%s has a message a person can act on', (code, message) => {
    expect(errorMessage(new ApiError(400, code, ''))).toMatch(message)
  })

  it('falls back to the status and code', () => {
    expect(errorMessage(new ApiError(500, 'boom', ''))).toBe('The request failed (500, boom).')
  })
})

describe('detailText', () => {
  it('flattens validation errors', () => {
    expect(detailText([{ msg: 'field required' }, { msg: 'too big' }])).toBe('field required; too big')
    expect(detailText('plain')).toBe('plain')
    expect(detailText(null)).toBe('')
  })
})

describe('extraDetail', () => {
  it('drops a detail that only repeats the headline, keeps one that adds to it', () => {
    expect(extraDetail(new ApiError(422, 'no_face', 'no face was found in the photo'))).toBe('')
    // a newer service's detail names its detector and an API option: still one message
    const hog = 'no face was found in the photo by the hog detector; the slower cnn detector (detector=cnn) looks harder'
    expect(extraDetail(new ApiError(422, 'no_face', hog))).toBe('')
    expect(extraDetail(new ApiError(415, 'unsupported_type', 'not an image: expected JPEG, PNG'))).toBe(
      'not an image: expected JPEG, PNG',
    )
    expect(extraDetail(new ApiError(500, 'boom', ''))).toBe('')
  })

  it('says no face once, without suggesting to turn off alignment (the photo may be a cat)', () => {
    const message = errorMessage(new ApiError(422, 'no_face', 'no face was found in the photo'))
    expect(message.match(/no face/gi)).toHaveLength(1)
    expect(message).not.toMatch(/align/i)
  })
})
