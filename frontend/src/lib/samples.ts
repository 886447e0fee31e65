// The sample photos offered on the first screen (frontend/public/samples, public domain: LICENSES.md
// there). A sample is analysed exactly like an upload: its file is fetched and handed to the same path.
// scripts/build_demo.py reads the same list to record the samples' analyses for the static demo.
import list from '../samples.json'

export interface Sample {
  id: string
  /** the photo, in public/samples */
  file: string
  /** a small preview for its button */
  thumb: string
  /** what its button calls it: "Sample: {name}" */
  name: string
  /** how many faces it shows */
  faces: number
}

export const SAMPLES: readonly Sample[] = list

/** A sample file's address, relative to the page in the demo's build (base './'), else from the site root. */
export function sampleUrl(file: string, base: string = import.meta.env.BASE_URL): string {
  return `${base}samples/${file}`
}

/** Fetches a sample photo as the File an upload would give. */
export async function sampleFile(sample: Sample, fetchImpl: typeof fetch = (input, init) => globalThis.fetch(input, init)): Promise<File> {
  const response = await fetchImpl(sampleUrl(sample.file))
  if (!response.ok) throw new Error(`${sample.file}: ${response.status}`)
  const blob = await response.blob()
  return new File([blob], sample.file, { type: blob.type || 'image/jpeg' })
}
