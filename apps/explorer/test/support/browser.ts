import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { installExplorer } from '@siar/broker'
import { startTestBroker, type TestBroker } from '@siar/testing'
import type { BrokerOptionsInput } from '@siar/core'
import { buildExplorer } from '../../scripts/build.mjs'

/** Screenshots land here (gitignored) for a person to look at. */
export const ARTIFACTS_DIR = fileURLToPath(new URL('../../../../test-artifacts/explorer/', import.meta.url))

const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'
]

type After = (fn: () => unknown) => void

/**
 * Build the page into a fresh temp dir: test files run in parallel, and each
 * must serve the bundle of the source it tests, not a half-written shared one.
 */
export async function buildPage (after: After): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'siar-explorer-web-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  await buildExplorer({ outDir: dir })
  return dir
}

/** An in-process broker serving the explorer the way apps/broker does. */
export async function startExplorerBroker (after: After, webDir: string, input: BrokerOptionsInput = {}): Promise<TestBroker> {
  const tb = await startTestBroker(input)
  installExplorer(tb.broker, webDir)
  after(() => tb.close())
  return tb
}

/** Debian Chromium through playwright-core, with a fresh profile. */
export async function openBrowser (after: After): Promise<BrowserContext> {
  const profile = mkdtempSync(join(tmpdir(), 'siar-explorer-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    acceptDownloads: true,
    viewport: { width: 1280, height: 800 }
  })
  after(async () => {
    await context.close()
    rmSync(profile, { recursive: true, force: true })
  })
  return context
}

/** Page errors fail the test at the end instead of passing silently. */
export function collectPageErrors (page: Page): string[] {
  const errors: string[] = []
  page.on('pageerror', (err) => errors.push(err.message))
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()) })
  return errors
}

export async function screenshot (page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true })
  const path = join(ARTIFACTS_DIR, `${name}.png`)
  await page.screenshot({ path })
  return path
}

/** Select a tree row by its topic and wait until the detail pane shows it (the Topic tab must be open). */
export async function clickTopic (page: Page, topic: string): Promise<void> {
  await page.locator(`.row[data-topic="${topic}"]`).click()
  await page.locator(`.detail[data-topic="${topic}"]`).waitFor()
}

/** Expand a branch row (its caret). */
export async function expandTopic (page: Page, topic: string): Promise<void> {
  const row = page.locator(`.row[data-topic="${topic}"]`)
  if (await row.getAttribute('aria-expanded') !== 'true') await row.locator('.caret').click()
}
