#!/usr/bin/env node
// A small static server on 127.0.0.1 for the demo and the browser tests.
//   node scripts/serve.mjs [--port N] [--isolated] [--bench]
// Serves web-demo/ (at /), dist/, tests/browser/pages/, tests/api/ and tests/torture/
// (the crash-torture workload the browser torture pages import); nothing else of
// the repository. --isolated sends COOP/COEP headers, making pages
// cross-origin isolated (needed for SharedArrayBuffer and precise timers).
// --bench also serves the browser benchmark: bench/, its generated
// build/bench/web/ and the one npm package file tree it loads as is.
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const port = Number(option('--port', process.env.PORT ?? 8080));
const isolated = flag('--isolated');
const served = ['web-demo/', 'dist/', 'tests/browser/pages/', 'tests/api/', 'tests/torture/'];
if (flag('--bench')) served.push('bench/', 'build/bench/web/', 'node_modules/@sqlite.org/sqlite-wasm/dist/');

const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

function resolvePath(urlPath) {
  let rel = decodeURIComponent(urlPath).replace(/^\/+/, '');
  if (rel.endsWith('/')) rel += 'index.html';
  const full = normalize(join(root, rel));
  if (!full.startsWith(root)) return undefined;
  const inside = full.slice(root.length).split(sep).join('/');
  return served.some((prefix) => inside.startsWith(prefix)) ? full : undefined;
}

const server = createServer((req, res) => {
  const headers = { 'Cache-Control': 'no-store' };
  if (isolated) {
    headers['Cross-Origin-Opener-Policy'] = 'same-origin';
    headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
  }
  const { pathname } = new URL(req.url ?? '/', 'http://localhost');
  if (pathname === '/' || pathname === '/web-demo') {
    // The demo's relative URLs need its own folder as the base.
    res.writeHead(302, { ...headers, Location: '/web-demo/' });
    res.end();
    return;
  }
  const path = resolvePath(pathname);
  let stat;
  try {
    stat = path && statSync(path);
  } catch {
    stat = undefined;
  }
  if (!path || !stat || !stat.isFile()) {
    res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' });
    res.end('not found\n');
    return;
  }
  res.writeHead(200, {
    ...headers,
    'Content-Type': types[extname(path)] ?? 'application/octet-stream',
    'Content-Length': stat.size,
  });
  if (req.method === 'HEAD') res.end();
  else createReadStream(path).pipe(res);
});

server.listen(port, '127.0.0.1', () => {
  const { port: actual } = server.address();
  console.log(`ShaleDB demo: http://127.0.0.1:${actual}/${isolated ? ' (cross-origin isolated)' : ''}`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
