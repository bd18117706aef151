import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { resolveConfig } from '@siar/core'
import { getFreePort, spawnTracked, waitFor, withTimeout } from '@siar/testing'
import { CHART_DIR, REPO_ROOT } from './chart.js'
import { dockerignoreMatcher, envOf, execForm, parseDockerfile, stagesOf } from './dockerfile.js'

const DOCKERFILE = join(REPO_ROOT, 'deploy/docker/Dockerfile')
const { directives, instructions } = parseDockerfile(DOCKERFILE)
const stages = stagesOf(instructions)
const runtime = stages[stages.length - 1]!
const last = (keyword: string) => runtime.instructions.filter((i) => i.keyword === keyword).at(-1)
const entrypoint = execForm(last('ENTRYPOINT')?.args ?? '') ?? []
const healthcheck = execForm(last('HEALTHCHECK')?.args ?? '') ?? []
const imageEnv = envOf(runtime)

test('multi-stage build on the official Node 20 slim image; the runtime stage only copies build output', () => {
  assert.equal(directives.syntax, 'docker/dockerfile:1')
  assert.ok(stages.length >= 2, 'expected a build stage and a runtime stage')
  for (const s of stages) assert.equal(s.image, 'node:20-bookworm-slim')
  const build = stages.find((s) => s.name === 'build')
  assert.ok(build, 'no stage named build')
  const buildRuns = build.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args).join('\n')
  assert.match(buildRuns, /npm ci\b/)
  assert.match(buildRuns, /turbo run build --filter=@siar\/broker\.\.\./)
  assert.match(buildRuns, /npm prune --omit=dev/)
  // No compiler or package install in the runtime stage: it runs compiled JavaScript.
  const runtimeRuns = runtime.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args).join('\n')
  assert.doesNotMatch(runtimeRuns, /npm|tsc|tsx|turbo/)
  for (const copy of runtime.instructions.filter((i) => i.keyword === 'COPY')) {
    assert.ok(copy.args.includes('--from=build') || /deploy\/docker\//.test(copy.args), `runtime COPY from the context: ${copy.args}`)
    assert.doesNotMatch(copy.args, /\/src\/(packages|apps)\/[^/]+\/src\b/, 'TypeScript sources in the runtime image')
  }
})

test('runs as a fixed non-root uid, the same one the Helm chart asks for', () => {
  const user = last('USER')?.args ?? ''
  const [uid, gid] = user.split(':').map(Number)
  assert.ok(Number.isInteger(uid) && uid! > 0, `USER ${user} is not a numeric non-root uid`)
  assert.ok(Number.isInteger(gid) && gid! > 0)
  const values = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8'))
  assert.equal(values.podSecurityContext.runAsUser, uid)
  assert.equal(values.containerSecurityContext.runAsUser, uid)
  assert.equal(values.podSecurityContext.runAsGroup, gid)
})

test('entry point is node on the compiled server, and every workspace it imports is copied in', () => {
  assert.deepEqual(entrypoint, ['node', 'apps/broker/dist/main.js'])
  assert.equal(runtime.instructions.filter((i) => i.keyword === 'WORKDIR').at(-1)?.args, '/app')
  assert.ok(existsSync(join(REPO_ROOT, 'apps/broker/dist/main.js')), 'apps/broker/dist/main.js missing: build first (npm test does)')
  const copies = runtime.instructions.filter((i) => i.keyword === 'COPY').map((i) => i.args)
  const copied = (path: string): boolean => copies.some((c) => c.includes(`/src/${path} ./${path}`))
  // The runtime closure of @siar/* workspaces, from the package.json files.
  const dirs: Record<string, string> = {}
  for (const dir of ['packages', 'apps']) {
    for (const name of ['core', 'client', 'testing', 'cli', 'broker', 'explorer']) {
      const file = join(REPO_ROOT, dir, name, 'package.json')
      if (existsSync(file)) dirs[JSON.parse(readFileSync(file, 'utf8')).name] = `${dir}/${name}`
    }
  }
  const needed = new Set<string>()
  const visit = (pkg: string): void => {
    const dir = dirs[pkg]
    if (!dir || needed.has(dir)) return
    needed.add(dir)
    const deps = JSON.parse(readFileSync(join(REPO_ROOT, dir, 'package.json'), 'utf8')).dependencies ?? {}
    for (const dep of Object.keys(deps)) visit(dep)
  }
  visit('@siar/broker')
  for (const dir of needed) {
    assert.ok(copied(`${dir}/package.json`), `the runtime stage does not copy ${dir}/package.json`)
    assert.ok(copied(`${dir}/dist`), `the runtime stage does not copy ${dir}/dist`)
  }
  assert.ok(copied('node_modules'))
})

test('exposes MQTT, WebSocket, HTTP and the TLS ports; env defaults listen on every interface and read /etc/siar/siar.yaml', async () => {
  const exposed = runtime.instructions.filter((i) => i.keyword === 'EXPOSE').flatMap((i) => i.args.split(/\s+/)).map(Number).sort((a, b) => a - b)
  assert.deepEqual(exposed, [1883, 8083, 8084, 8883, 18083])
  assert.equal(imageEnv.SIAR_HOST, '0.0.0.0')
  assert.equal(imageEnv.SIAR_CONFIG, '/etc/siar/siar.yaml')
  const copiesConfig = runtime.instructions.some((i) => i.keyword === 'COPY' && i.args.endsWith('deploy/docker/siar.yaml /etc/siar/siar.yaml'))
  assert.ok(copiesConfig, 'the default config file is not copied to /etc/siar/siar.yaml')
  // The baked-in file must be one the server accepts.
  const options = await resolveConfig({ configFile: join(REPO_ROOT, 'deploy/docker/siar.yaml'), env: { ...imageEnv, SIAR_CONFIG: undefined } })
  assert.equal(options.host, '0.0.0.0')
})

test('.dockerignore keeps node_modules, build output and git out, and every build input in', () => {
  const ignored = dockerignoreMatcher(join(REPO_ROOT, '.dockerignore'))
  for (const path of ['node_modules', 'packages/core/node_modules/x', 'apps/broker/dist/main.js', '.git/HEAD', 'deploy/helm/siar/Chart.yaml']) {
    assert.ok(ignored(path), `${path} should be ignored`)
  }
  // Every tracked file a workspace build reads (sources, build scripts, manifests, tsconfigs).
  const tracked = execFileSync('git', ['ls-files'], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\n').filter(Boolean)
  const buildInputs = tracked.filter((f) =>
    /^(packages|apps)\/[^/]+\/(src|scripts)\//.test(f) || /^(packages|apps)\/[^/]+\/(package\.json|tsconfig[^/]*\.json)$/.test(f) ||
    ['package.json', 'package-lock.json', 'turbo.json', 'tsconfig.base.json', 'deploy/docker/siar.yaml'].includes(f))
  assert.ok(buildInputs.length > 50, `only ${buildInputs.length} build inputs found`)
  assert.deepEqual(buildInputs.filter(ignored), [], 'build inputs excluded from the Docker build context')
})

test('the image command refuses to listen on 0.0.0.0 without authentication (secure default)', async (t) => {
  const env = {
    PATH: process.env.PATH ?? '', ...imageEnv, SIAR_CONFIG: join(REPO_ROOT, 'deploy/docker/siar.yaml'),
    SIAR_PORT: String(await getFreePort()), SIAR_WS_PORT: String(await getFreePort()), SIAR_HTTP_PORT: String(await getFreePort())
  }
  const proc = spawnTracked(process.execPath, entrypoint.slice(1), { env, cwd: REPO_ROOT })
  t.after(() => proc.stop('SIGKILL'))
  const code = await withTimeout(proc.exited, 'the broker to refuse and exit')
  assert.equal(code, 1)
  assert.match(proc.output(), /refusing to listen on 0\.0\.0\.0 with no authentication/)
})

test('HEALTHCHECK passes against the running image command and fails when nothing answers', async (t) => {
  assert.equal(healthcheck[0], 'node', 'slim images have no curl: the check must use node')
  assert.match(last('HEALTHCHECK')?.args ?? '', /--interval=\d+s --timeout=\d+s/)
  const httpPort = await getFreePort()
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '', ...imageEnv, SIAR_CONFIG: join(REPO_ROOT, 'deploy/docker/siar.yaml'),
    // Loopback and free ports: tests bind nothing else.
    SIAR_HOST: '127.0.0.1', SIAR_PORT: String(await getFreePort()), SIAR_WS_PORT: String(await getFreePort()), SIAR_HTTP_PORT: String(httpPort)
  }
  const broker = spawnTracked(process.execPath, entrypoint.slice(1), { env, cwd: REPO_ROOT })
  t.after(() => broker.stop())
  const check = async (port: number): Promise<number | string> => {
    const p = spawnTracked(process.execPath, healthcheck.slice(1), { env: { ...env, SIAR_HTTP_PORT: String(port) } })
    return await p.exited
  }
  await waitFor(async () => (await check(httpPort)) === 0, `HEALTHCHECK to pass (broker output: ${broker.output()})`, 15_000, 100)
  assert.equal(await check(await getFreePort()), 1)
  // SIGTERM (what `docker stop` and Kubernetes send): a clean exit, well inside the grace period.
  const started = Date.now()
  assert.equal(await broker.stop('SIGTERM'), 0)
  assert.ok(Date.now() - started < 5_000)
})
