import { DemoNote } from './components/DemoNote'
import { HealthNote } from './components/HealthNote'
import { ModelsProvider } from './hooks/modelNames'
import { useHashRoute } from './hooks/useHashRoute'
import { AnalyzePage } from './pages/AnalyzePage'
import { ModelsPage } from './pages/ModelsPage'

export default function App() {
  const route = useHashRoute()
  return (
    <ModelsProvider>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <h1>
          face<span>x</span>ai
        </h1>
        <p className="tagline">Age, gender and race of every face — and where each model looked</p>
        <nav aria-label="Pages">
          <a href="#/" aria-current={route === 'analyze' ? 'page' : undefined}>
            Analyse a photo
          </a>
          <a href="#/models" aria-current={route === 'models' ? 'page' : undefined}>
            Models
          </a>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        <DemoNote />
        <HealthNote />
        {/* Both pages stay mounted so an analysis survives a look at the models page. */}
        <div hidden={route !== 'analyze'}>
          <AnalyzePage />
        </div>
        {route === 'models' && <ModelsPage />}
      </main>
      <footer className="app-footer">
        <p>
          Predictions of age, gender and race from a face are estimates with known errors and biases; the biased model
          is here to show what such bias looks like. Do not use them to make decisions about people.
        </p>
      </footer>
    </ModelsProvider>
  )
}
