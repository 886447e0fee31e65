// Starts the real facexai service for the end-to-end run: a free port, the model bundle
// (FACEXAI_MODELS_MANIFEST, else models/manifest.json, else an untrained bundle written by
// scripts/make_test_bundle.py into frontend/.e2e-bundle), the freshly built app from frontend/dist;
// waits for /health.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createWriteStream, existsSync, mkdirSync } from 'node:fs'
import { createServer } from 'node:net'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const frontend = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const repo = resolve(frontend, '..')

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolvePort(port))
    })
  })
}

function modelsManifest(python: string): string {
  if (process.env.FACEXAI_MODELS_MANIFEST) return resolve(process.env.FACEXAI_MODELS_MANIFEST)
  const trained = resolve(repo, 'models/manifest.json')
  if (existsSync(trained)) return trained
  // Small and fast by default; `make frontend-screenshots` asks for full-size chips (224, seed architecture).
  const size = process.env.FACEXAI_E2E_INPUT_SIZE ?? '64'
  const architecture = process.env.FACEXAI_E2E_ARCHITECTURE ?? 'lean'
  const bundle = resolve(frontend, `.e2e-bundle/${architecture}-${size}`)
  const manifest = resolve(bundle, 'manifest.json')
  if (!existsSync(manifest)) {
    const script = resolve(repo, 'scripts/make_test_bundle.py')
    const made = spawnSync(python, [script, bundle, '--input-size', size, '--architecture', architecture], {
      cwd: repo,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' },
    })
    if (made.status !== 0) throw new Error(`scripts/make_test_bundle.py failed (${made.status})`)
  }
  return manifest
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode}; see test-results/backend.log`)
    try {
      const response = await fetch(`${url}/health`)
      if (response.ok) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 1000))
  }
  throw new Error(`the service at ${url} was not healthy within ${timeoutMs / 1000} s`)
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  const venv = process.env.FACEXAI_VENV ?? resolve(repo, '.venv')
  const python = resolve(venv, 'bin/python')
  const facexai = resolve(venv, 'bin/facexai')
  if (!existsSync(facexai)) throw new Error(`${facexai} not found: run \`make install-backend\` first`)
  const dist = resolve(frontend, 'dist')
  if (!process.env.E2E_SKIP_BUILD) {
    const built = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: frontend, stdio: 'inherit' })
    if (built.status !== 0) throw new Error('vite build failed')
  }
  if (!existsSync(resolve(dist, 'index.html'))) throw new Error(`${dist}/index.html missing: run \`npm run build\``)

  const manifest = modelsManifest(python)
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  mkdirSync(resolve(frontend, 'test-results'), { recursive: true })
  const log = createWriteStream(resolve(frontend, 'test-results/backend.log'))
  const child = spawn(facexai, ['serve', '--host', '127.0.0.1', '--port', String(port)], {
    cwd: repo,
    env: {
      ...process.env,
      FACEXAI_MODELS_MANIFEST: manifest,
      FACEXAI_FRONTEND_DIST: dist,
      TF_CPP_MIN_LOG_LEVEL: '2',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout?.pipe(log)
  child.stderr?.pipe(log)
  try {
    await waitForHealth(url, child, 240_000)
  } catch (error) {
    child.kill('SIGTERM')
    throw error
  }
  process.env.FACEXAI_E2E_URL = url
  process.env.FACEXAI_E2E_MANIFEST = manifest
  console.log(`e2e: service at ${url} with ${manifest}`)

  return async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM')
      await new Promise((r) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL')
          r(null)
        }, 10_000)
        child.once('exit', () => {
          clearTimeout(timer)
          r(null)
        })
      })
    }
    log.end()
  }
}
