// A static file server for the demo's end-to-end test: serves one folder under a sub-path (as GitHub Pages
// serves a project at /REPO/), with the app's Content-Security-Policy (nginx.conf's, which
// tests/test_security_headers.py holds equal to backend/facexai/api/security.py), so the test also shows
// the demo needs no inline script or style. Nothing else is served.
import { createReadStream, readFileSync, statSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { extname, join, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.jpg': 'image/jpeg',
  '.png': 'image/png',
  '.md': 'text/markdown; charset=utf-8',
}

/**
 * The app's Content-Security-Policy, read from nginx.conf's `$facexai_csp` default (the one copy the compose
 * stack sends; tests/test_security_headers.py checks it is backend/facexai/api/security.py's APP_POLICY).
 */
export const APP_POLICY = (() => {
  const conf = readFileSync(fileURLToPath(new URL('../nginx.conf', import.meta.url)), 'utf8')
  const policy = /map \$uri \$facexai_csp \{\s*default "([^"]+)";/.exec(conf)?.[1]
  if (!policy) throw new Error("nginx.conf: no default in 'map $uri $facexai_csp'")
  return policy
})()

/** Serves `folder` at http://127.0.0.1:PORT`prefix` (prefix like '/facexai/'); resolves once listening. */
export function serveStatic(folder: string, prefix: string): Promise<{ server: Server; url: string }> {
  const root = resolve(folder)
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname)
    if (request.method !== 'GET' && request.method !== 'HEAD') return void response.writeHead(405).end()
    if (path === prefix.replace(/\/$/, '')) return void response.writeHead(301, { Location: prefix }).end()
    if (!path.startsWith(prefix)) return void response.writeHead(404).end('not found')
    let file = resolve(join(root, path.slice(prefix.length)))
    if (file !== root && !file.startsWith(root + sep)) return void response.writeHead(404).end('not found')
    try {
      if (statSync(file).isDirectory()) file = join(file, 'index.html')
      statSync(file)
    } catch {
      return void response.writeHead(404).end('not found')
    }
    response.writeHead(200, {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Security-Policy': APP_POLICY,
      'X-Content-Type-Options': 'nosniff',
    })
    if (request.method === 'HEAD') return void response.end()
    createReadStream(file).pipe(response)
  })
  return new Promise((resolveServer, reject) => {
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      resolveServer({ server, url: `http://127.0.0.1:${port}${prefix}` })
    })
  })
}
