import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type BrowserContext, type Page } from 'playwright-core'

// Browser helpers for the explore tests. The explorer's own tests have the same
// (apps/explorer/test/support); packages do not import each other's tests.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const ARTIFACTS_DIR = join(ROOT, 'test-artifacts', 'explorer')
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'
]

type After = (fn: () => unknown) => void

/** Build the page from source into a temp dir (the explorer's build script). */
export async function buildPage (after: After): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'siar-explore-web-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  execFileSync(process.execPath, [join(ROOT, 'apps/explorer/scripts/build.mjs'), '--out', dir], { stdio: 'ignore' })
  return dir
}

export async function openBrowser (after: After): Promise<BrowserContext> {
  const profile = mkdtempSync(join(tmpdir(), 'siar-explore-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 800 }
  })
  after(async () => {
    await context.close()
    rmSync(profile, { recursive: true, force: true })
  })
  return context
}

export function collectPageErrors (page: Page): string[] {
  const errors: string[] = []
  page.on('pageerror', (err) => errors.push(err.message))
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()) })
  return errors
}

export async function screenshot (page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true })
  await page.screenshot({ path: join(ARTIFACTS_DIR, `${name}.png`) })
}

export async function expandTopic (page: Page, topic: string): Promise<void> {
  const row = page.locator(`.row[data-topic="${topic}"]`)
  if (await row.getAttribute('aria-expanded') !== 'true') await row.locator('.caret').click()
}
