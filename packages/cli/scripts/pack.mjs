#!/usr/bin/env node
// Packs the siar CLI into one tarball that installs with no repo around:
//   npm install -g ./siar-<version>.tgz
// The workspace packages it needs (@siar/core, @siar/broker, ...) are not on
// npm, so they travel inside the tarball as bundleDependencies, together with
// every third-party dependency: the user's npm then resolves nothing, which
// also keeps the root `overrides` entry (aedes takes aedes-persistence-redis
// 12) in force where npm would ignore it (overrides only apply at the root).
// Real package directories are kept (no single-file bundle), so code that finds
// files beside itself (version.ts, the explorer's dist/web, the bench worker)
// works unchanged. Nothing is compiled at install (--ignore-scripts, optional
// native add-ons left out) and no symlinks are packed: the same tarball serves
// Windows, macOS and Linux.
// Uses the built dist of each workspace: run `npm run build` at the root first.
// Usage: node scripts/pack.mjs [--out DIR] [--keep-staging]
// Prints the tarball's path on stdout (progress goes to stderr).
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const cliDir = fileURLToPath(new URL('..', import.meta.url))
const repoRoot = resolve(cliDir, '..', '..')
const WORKSPACE_SCOPE = '@siar/'

const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: process.cwd() },
    'keep-staging': { type: 'boolean', default: false }
  }
})

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'))
const log = (msg) => process.stderr.write(`pack: ${msg}\n`)

/** name → directory of every workspace package (root package.json "workspaces" are "dir/*" globs). */
function findWorkspaces () {
  const found = new Map()
  for (const pattern of readJson(join(repoRoot, 'package.json')).workspaces) {
    const parent = join(repoRoot, pattern.replace(/\/\*$/, ''))
    for (const name of readdirSync(parent)) {
      const file = join(parent, name, 'package.json')
      if (existsSync(file)) found.set(readJson(file).name, join(parent, name))
    }
  }
  return found
}

/** The installed version of `dep` as Node would resolve it from `fromDir`. */
function installedVersion (dep, fromDir) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const file = join(dir, 'node_modules', dep, 'package.json')
    if (existsSync(file)) return readJson(file).version
    if (dirname(dir) === dir) throw new Error(`${dep} is not installed (needed from ${fromDir}); run npm ci at the repo root`)
  }
}

/**
 * The workspace packages the CLI needs (transitively), and their third-party
 * dependencies pinned to the exact versions the repo was built and tested with.
 */
function collect (workspaces) {
  const bundled = new Map()
  const thirdParty = new Map()
  const visit = (dir) => {
    for (const [dep, range] of Object.entries(readJson(join(dir, 'package.json')).dependencies ?? {})) {
      if (dep.startsWith(WORKSPACE_SCOPE)) {
        const depDir = workspaces.get(dep)
        if (!depDir) throw new Error(`${dep} is not a workspace package`)
        if (!bundled.has(dep)) { bundled.set(dep, depDir); visit(depDir) }
        continue
      }
      const version = installedVersion(dep, dir)
      const seen = thirdParty.get(dep)
      if (seen && seen.version !== version) {
        throw new Error(`${dep}: ${seen.from} uses ${seen.version}, ${dir} uses ${version}; one version must serve both (${range})`)
      }
      thirdParty.set(dep, { version, from: dir })
    }
  }
  visit(cliDir)
  return { bundled, thirdParty }
}

/** Built JavaScript and assets only: no sources, maps or type declarations. */
const runtimeFile = (src) => !/\.(d\.ts|map|tsbuildinfo|tgz)$/.test(src)

/** A package.json for the copy: what Node reads at run time, nothing that points at sources. */
function runtimeManifest (pkg) {
  const keep = ({ source, types, ...rest }) => rest
  const exports = Object.fromEntries(Object.entries(pkg.exports ?? {}).map(([k, v]) => [k, typeof v === 'object' ? keep(v) : v]))
  return {
    name: pkg.name,
    version: pkg.version,
    description: pkg.description,
    type: pkg.type,
    license: pkg.license,
    exports,
    ...(pkg.dependencies ? { dependencies: pkg.dependencies } : {}),
    engines: pkg.engines
  }
}

function copyPackage (from, to, pkg) {
  const dist = join(from, 'dist')
  if (!existsSync(dist)) throw new Error(`${pkg.name} is not built (${dist} missing); run npm run build at the repo root`)
  mkdirSync(to, { recursive: true })
  cpSync(dist, join(to, 'dist'), { recursive: true, filter: runtimeFile })
  writeFileSync(join(to, 'package.json'), `${JSON.stringify(runtimeManifest(pkg), null, 2)}\n`)
}

/** What a package needs only to be developed or type-checked against, at its top level. */
const DEV_ONLY_DIRS = new Set(['test', 'tests', '__tests__', 'benchmarks', 'bench', 'example', 'examples', 'docs', '.github'])
/** Types, source maps, TypeScript sources and docs: never loaded by Node. Licences stay. */
const DEV_ONLY_FILE = /\.(ts|cts|mts|map|md|markdown)$/i
const LICENCE = /^(licen[cs]e|notice|copying)/i

/** Removes dev-only files under dir (recursively), but never a licence. */
function pruneFiles (dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name)
    if (entry.isDirectory()) pruneFiles(full)
    else if (DEV_ONLY_FILE.test(entry.name) && !LICENCE.test(entry.name)) rmSync(full)
  }
}

/**
 * Shrinks the third-party packages (fewer files installs faster: npm reads the
 * tarball several times) and drops npm's install-time state: the hidden
 * lockfile and .bin links (symlinks), which the user's npm makes itself.
 */
function pruneNodeModules (nodeModules) {
  if (!existsSync(nodeModules)) return
  rmSync(join(nodeModules, '.package-lock.json'), { force: true })
  rmSync(join(nodeModules, '.bin'), { recursive: true, force: true })
  for (const entry of readdirSync(nodeModules)) {
    if (entry.startsWith('.')) continue
    const dirs = entry.startsWith('@') ? readdirSync(join(nodeModules, entry)).map((s) => join(nodeModules, entry, s)) : [join(nodeModules, entry)]
    for (const pkgDir of dirs) {
      for (const sub of readdirSync(pkgDir)) {
        if (DEV_ONLY_DIRS.has(sub)) rmSync(join(pkgDir, sub), { recursive: true, force: true })
      }
      pruneNodeModules(join(pkgDir, 'node_modules'))
      pruneFiles(pkgDir)
    }
  }
}

/**
 * The repo's lockfile, minus the workspaces, as the staging install's lockfile:
 * transitive dependencies then get the exact versions the repo was tested with
 * (npm drops whatever the CLI does not need, and resolves only what is missing).
 */
function seedLockfile (staging, manifest) {
  const lockFile = join(repoRoot, 'package-lock.json')
  if (!existsSync(lockFile)) return
  const packages = { '': { name: manifest.name, version: manifest.version, dependencies: manifest.dependencies } }
  for (const [path, entry] of Object.entries(readJson(lockFile).packages ?? {})) {
    if (!path.startsWith('node_modules/') || entry.link || path.startsWith(`node_modules/${WORKSPACE_SCOPE}`)) continue
    packages[path] = entry
  }
  writeFileSync(join(staging, 'package-lock.json'), `${JSON.stringify({ name: manifest.name, version: manifest.version, lockfileVersion: 3, requires: true, packages }, null, 2)}\n`)
}

function npm (cwd, npmArgs) {
  // npm is a .cmd shim on Windows, which only a shell runs; the shell splits
  // unquoted arguments at spaces (C:\Users\Jane Doe\...).
  const win = process.platform === 'win32'
  const args = win ? npmArgs.map((a) => (/[\s"]/.test(a) ? `"${a.replace(/"/g, '""')}"` : a)) : npmArgs
  const res = spawnSync(win ? 'npm.cmd' : 'npm', args, { cwd, shell: win, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  if (res.status !== 0) throw new Error(`npm ${npmArgs.join(' ')} failed (${res.status ?? res.signal}):\n${res.stderr}${res.stdout}`)
  return res.stdout
}

function main () {
  const cliPkg = readJson(join(cliDir, 'package.json'))
  const { bundled, thirdParty } = collect(findWorkspaces())
  const staging = mkdtempSync(join(tmpdir(), 'siar-pack-'))
  try {
    const dependencies = Object.fromEntries([...thirdParty].sort().map(([dep, { version }]) => [dep, version]))
    const manifest = {
      name: cliPkg.name,
      version: cliPkg.version,
      description: cliPkg.description,
      type: cliPkg.type,
      license: cliPkg.license,
      bin: cliPkg.bin,
      files: cliPkg.files,
      engines: cliPkg.engines,
      dependencies,
      // The staging directory is the root of its own install, so npm honours these here.
      overrides: readJson(join(repoRoot, 'package.json')).overrides ?? {}
    }
    writeFileSync(join(staging, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
    seedLockfile(staging, manifest)
    log(`installing ${thirdParty.size} dependencies into ${staging}`)
    // --omit=optional: optional native add-ons (e.g. msgpackr-extract) would be
    // this machine's build; every such package has a pure-JS fallback.
    npm(staging, ['install', '--omit=dev', '--omit=optional', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'])
    rmSync(join(staging, 'package-lock.json'), { force: true })

    pruneNodeModules(join(staging, 'node_modules'))
    cpSync(join(cliDir, 'bin'), join(staging, 'bin'), { recursive: true })
    cpSync(join(cliDir, 'dist'), join(staging, 'dist'), { recursive: true, filter: runtimeFile })
    for (const [name, dir] of bundled) copyPackage(dir, join(staging, 'node_modules', ...name.split('/')), readJson(join(dir, 'package.json')))

    manifest.dependencies = { ...dependencies, ...Object.fromEntries([...bundled.keys()].map((n) => [n, readJson(join(bundled.get(n), 'package.json')).version])) }
    manifest.bundleDependencies = Object.keys(manifest.dependencies).sort()
    delete manifest.overrides
    writeFileSync(join(staging, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)

    const out = resolve(args.out)
    mkdirSync(out, { recursive: true })
    const [info] = JSON.parse(npm(staging, ['pack', '--json', '--pack-destination', out]))
    log(`${info.filename}: ${info.entryCount} files, ${(info.size / 1048576).toFixed(1)} MiB packed, ${(info.unpackedSize / 1048576).toFixed(1)} MiB unpacked`)
    process.stdout.write(`${join(out, info.filename)}\n`)
  } finally {
    if (args['keep-staging']) log(`staging kept at ${staging}`)
    else rmSync(staging, { recursive: true, force: true })
  }
}

main()
