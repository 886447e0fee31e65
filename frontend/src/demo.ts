// The static demo (`make demo`): the app built with VITE_FACEXAI_DEMO=1 answers its requests from the
// recordings scripts/build_demo.py made of the sample photos' analyses, with no service behind it.

/** True in the static demo build (read at call time, so tests can stub it with vi.stubEnv). */
export function isDemo(): boolean {
  return import.meta.env.VITE_FACEXAI_DEMO === '1'
}

/**
 * The repository the demo links to for running facexai on one's own photos: VITE_FACEXAI_REPO_URL (set
 * by scripts/build_demo.py from --repo-url or git's GitHub origin), else, on GitHub Pages
 * (https://OWNER.github.io/REPO/), https://github.com/OWNER/REPO; undefined when neither says.
 */
export function repoUrl(location: { hostname: string; pathname: string } | undefined = globalThis.location): string | undefined {
  const url: unknown = import.meta.env.VITE_FACEXAI_REPO_URL
  if (typeof url === 'string' && /^https:\/\/[^\s"<>]+$/.test(url)) return url
  const pages = location?.hostname.match(/^([a-z0-9-]+)\.github\.io$/i)
  const repo = location?.pathname.split('/').filter(Boolean)[0]
  return pages && repo ? `https://github.com/${pages[1]}/${repo}` : undefined
}
