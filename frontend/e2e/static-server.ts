// A static file server for the demo's end-to-end test: serves one folder under a sub-path (as GitHub Pages
// serves a project at /REPO/), with the service's Content-Security-Policy (backend/facexai/api/security.py
// APP_POLICY), so the test also shows the demo needs no inline script or style. Nothing else is served.
import { createReadStream, statSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { extname, join, resolve, sep } from 'node:path'

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

export const APP_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

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
