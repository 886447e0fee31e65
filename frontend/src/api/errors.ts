// One place that turns the service's {code, detail} errors into messages a person can act on.

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly detail: unknown

  constructor(status: number, code: string, detail: unknown) {
    super(detailText(detail) || code)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.detail = detail
  }
}

const MESSAGES: Record<string, string> = {
  // One message for any photo without a detected face, a cat's included: no advice to turn off
  // alignment (that is for photos that are already a cropped face, and the checkbox says so).
  no_face:
    'No face was found in this photo. If it shows a person, try a photo where the face is larger, ' +
    'facing the camera and well lit.',
  invalid_image: 'This file is not an image that can be read: it may be damaged, empty or not a picture at all.',
  unsupported_type: 'This type of file is not supported. Use a JPEG, PNG or WebP photo.',
  upload_too_large: 'This file is too large to upload. Use a smaller photo.',
  image_too_large: 'This image is too large (too many pixels). Use a smaller photo.',
  analysis_not_found:
    'This analysis has expired on the server (results are kept for about 10 minutes). Upload the photo again.',
  unknown_model: 'The server does not know this model.',
  unknown_label: 'The server does not know this class for this model.',
  models_not_comparable: 'These two models cannot be compared.',
  validation_error: 'The request was not valid.',
  models_loading: 'The models are still loading. Try again in a few seconds.',
  models_not_ready: 'The models are still loading. Try again in a few seconds.',
  busy: 'The service is busy with other photos right now. Try again in a few seconds.',
  // nginx's per-client limit in the compose stack (frontend/nginx.conf)
  rate_limited: 'Too many requests from your address right now. Try again in a few seconds.',
  network_error: 'The service could not be reached. Check that it is running and try again.',
  // the static demo (make demo): only the sample photos' recorded requests have answers
  not_in_demo:
    'Not in the demo: this static demo holds only what was recorded for its sample photos with the default ' +
    'options. Run facexai yourself to explain other classes or use other options.',
  demo_missing: 'The demo’s recordings could not be loaded: the demo folder may be incomplete.',
}

/** A short headline for an error code. */
export function errorMessage(error: ApiError): string {
  return MESSAGES[error.code] ?? `The request failed (${error.status}${error.code ? `, ${error.code}` : ''}).`
}

/**
 * Codes whose headline says all a person can act on: the service's no_face detail repeats "no face was
 * found in the photo" and may add an API hint (detector=cnn) the app does not offer as a control; the
 * demo's not_in_demo detail is the request's recording key.
 */
const HEADLINE_ONLY = new Set(['no_face', 'not_in_demo'])

const words = (text: string) => text.toLowerCase().match(/[a-z0-9]+/g) ?? []

/**
 * The server's detail when it tells more than the headline: '' when every word of it is already
 * in the headline ("no face was found in the photo" under "No face was found in this photo. …").
 */
export function extraDetail(error: ApiError): string {
  if (HEADLINE_ONLY.has(error.code)) return ''
  const detail = detailText(error.detail)
  const headline = new Set(words(errorMessage(error)))
  return words(detail).every((word) => headline.has(word)) ? '' : detail
}

/** The server's own words for an error, flattened from a string or a validation-error list. */
export function detailText(detail: unknown): string {
  if (detail == null) return ''
  if (typeof detail === 'string') return detail
  if (Array.isArray(detail)) {
    return detail
      .map((item) => (item && typeof item === 'object' && 'msg' in item ? String(item.msg) : JSON.stringify(item)))
      .join('; ')
  }
  return JSON.stringify(detail)
}

/** Builds an ApiError from whatever a failed response carried (JSON {code, detail}, or nothing useful). */
export function toApiError(status: number, body: unknown): ApiError {
  if (body && typeof body === 'object' && 'code' in body) {
    const { code, detail } = body as { code: unknown; detail?: unknown }
    return new ApiError(status, String(code), detail)
  }
  if (status === 503) return new ApiError(status, 'models_loading', body)
  if (status === 413) return new ApiError(status, 'upload_too_large', body)
  return new ApiError(status, `http_${status}`, body)
}
