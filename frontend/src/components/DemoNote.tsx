import { isDemo, repoUrl } from '../demo'

/** What the static demo is, that uploading is off there, and where to run facexai for one's own photos. */
export function DemoNote() {
  if (!isDemo()) return null
  const repo = repoUrl()
  return (
    <div className="demo-note" role="note" aria-label="About this demo" data-testid="demo-note">
      <p>
        <strong>This is a static demo.</strong> The analyses of its sample photos were recorded from the real facexai
        service when the demo was built, and are shown here exactly as the app shows them, with no service behind this
        page. Uploading your own photo is off here.
      </p>
      <p>
        To analyse your own photos, run facexai on your computer:{' '}
        {repo ? (
          <a href={`${repo}#quick-start`}>Quick start in the README</a>
        ) : (
          <>the README’s Quick start</>
        )}{' '}
        (<code>make run</code>, then open <code>http://127.0.0.1:8000</code>).
      </p>
    </div>
  )
}
