#!/usr/bin/env node
// Bundles the page (src/web) into dist/web with esbuild: one app.js, one
// app.css, index.html, and a .gz of each so a Raspberry Pi serves the bundle
// without compressing it on every request. Prints the sizes.
// Usage: node scripts/build.mjs [--dev] [--out DIR]
import { build } from 'esbuild'
import { mkdirSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'

const root = fileURLToPath(new URL('..', import.meta.url))
export const WEB_OUT_DIR = join(root, 'dist', 'web')

/** Build the page; resolves with { file: { bytes, gzipBytes } }. */
export async function buildExplorer ({ outDir = WEB_OUT_DIR, minify = true } = {}) {
  mkdirSync(outDir, { recursive: true })
  await build({
    entryPoints: { app: join(root, 'src/web/main.tsx') },
    outdir: outDir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2020', 'chrome90', 'firefox90', 'safari14'],
    // Workspace packages from their TypeScript source (no build order needed);
    // mqtt.js resolves to its browser build through the "browser" condition.
    conditions: ['source', 'browser', 'import'],
    mainFields: ['browser', 'module', 'main'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify,
    sourcemap: minify ? false : 'inline',
    legalComments: 'none',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning'
  })
  copyFileSync(join(root, 'src/web/index.html'), join(outDir, 'index.html'))
  const sizes = {}
  for (const file of ['index.html', 'app.js', 'app.css']) {
    const body = readFileSync(join(outDir, file))
    const gz = gzipSync(body, { level: 9 })
    writeFileSync(join(outDir, `${file}.gz`), gz)
    sizes[file] = { bytes: body.length, gzipBytes: gz.length }
  }
  return sizes
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv.indexOf('--out')
  const outDir = out > 0 && process.argv[out + 1] ? process.argv[out + 1] : WEB_OUT_DIR
  const sizes = await buildExplorer({ outDir, minify: !process.argv.includes('--dev') })
  for (const [file, s] of Object.entries(sizes)) {
    console.log(`explorer: ${file.padEnd(10)} ${(s.bytes / 1024).toFixed(1).padStart(7)} KiB  (${(s.gzipBytes / 1024).toFixed(1)} KiB gzipped)`)
  }
}
