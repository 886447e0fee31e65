#!/usr/bin/env node
// Generates the typed API client's types from the backend's OpenAPI schema, so the web app and
// the service cannot drift apart: `npm run gen:api` rewrites openapi.json and
// src/api/schema.ts; `npm run check:api` fails when the committed files are out of date.
//
// The schema comes from `python -m facexai.api.openapi` (FACEXAI_PYTHON, default ../.venv/bin/python),
// or from a file given with --from FILE.
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync, existsSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { specText as toSpecText, typesFromSpec } from './api-types.mjs'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const specPath = resolve(root, 'openapi.json')
const typesPath = resolve(root, 'src/api/schema.ts')
const args = process.argv.slice(2)
const check = args.includes('--check')
const fromIndex = args.indexOf('--from')

function readSpec() {
  if (fromIndex >= 0) return readFileSync(resolve(args[fromIndex + 1]), 'utf8')
  const python = process.env.FACEXAI_PYTHON ?? resolve(root, '../.venv/bin/python')
  if (!existsSync(python)) {
    console.error(`gen-api: ${python} not found; run \`make install-backend\` or set FACEXAI_PYTHON`)
    process.exit(2)
  }
  return execFileSync(python, ['-m', 'facexai.api.openapi'], {
    cwd: resolve(root, '..'),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' },
  })
}

const spec = JSON.parse(readSpec())
const specText = toSpecText(spec)
const typesText = await typesFromSpec(spec)

if (check) {
  const stale = []
  if (!existsSync(specPath) || readFileSync(specPath, 'utf8') !== specText) stale.push('openapi.json')
  if (!existsSync(typesPath) || readFileSync(typesPath, 'utf8') !== typesText) stale.push('src/api/schema.ts')
  if (stale.length) {
    console.error(`gen-api: out of date with the backend: ${stale.join(', ')}; run \`npm run gen:api\``)
    process.exit(1)
  }
  console.log('gen-api: openapi.json and src/api/schema.ts match the backend')
} else {
  writeFileSync(specPath, specText)
  writeFileSync(typesPath, typesText)
  console.log(`gen-api: wrote ${specPath} and ${typesPath}`)
}
