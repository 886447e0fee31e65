// The static demo's end-to-end run: builds it (scripts/build_demo.py, as `make demo` does, but only the
// astronaut and only the gender model's class grids, to keep the run short) into frontend/.e2e-demo, or takes
// a built one from FACEXAI_DEMO_DIR, and serves it under /facexai/ with a plain static server. No service runs.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { serveStatic } from './static-server.ts'

const frontend = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const repo = resolve(frontend, '..')

export default async function demoSetup(): Promise<() => Promise<void>> {
  let folder = process.env.FACEXAI_DEMO_DIR ? resolve(process.env.FACEXAI_DEMO_DIR) : ''
  if (!folder) {
    const venv = process.env.FACEXAI_VENV ?? resolve(repo, '.venv')
    const python = resolve(venv, 'bin/python')
    if (!existsSync(python)) throw new Error(`${python} not found: run \`make install-backend\` first`)
    folder = resolve(frontend, '.e2e-demo')
    const args = ['scripts/build_demo.py', '--out', folder, '--samples', 'astronaut', '--grid-models', 'gender']
    const started = Date.now()
    const built = spawnSync(python, args, {
      cwd: repo,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' },
    })
    if (built.status !== 0) throw new Error(`scripts/build_demo.py failed (${built.status})`)
    console.log(`demo e2e: built ${folder} in ${Math.round((Date.now() - started) / 1000)} s`)
  }
  if (!existsSync(resolve(folder, 'api/index.json'))) throw new Error(`${folder}/api/index.json missing: not a built demo`)
  const { server, url } = await serveStatic(folder, '/facexai/')
  process.env.FACEXAI_DEMO_URL = url
  console.log(`demo e2e: ${folder} at ${url}, no service`)
  return () => new Promise<void>((done) => server.close(() => done()))
}
