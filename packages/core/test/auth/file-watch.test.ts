import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { waitFor } from '@siar/testing'
import { watchFiles } from '../../src/auth/file-watch.js'

function tempDir (t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'siar-watch-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

test('a burst of writes and a rename-over give one debounced call, a later write another', async (t) => {
  const dir = tempDir(t)
  const file = join(dir, 'passwd')
  writeFileSync(file, 'a\n')
  let calls = 0
  const w = watchFiles([file], () => { calls++ }, { debounceMs: 100 })
  t.after(() => w.close())
  writeFileSync(file, 'b\n')
  writeFileSync(join(dir, 'passwd.tmp'), 'c\n')
  renameSync(join(dir, 'passwd.tmp'), file)
  await waitFor(() => calls === 1, 'one reload for the burst')
  writeFileSync(join(dir, 'unrelated'), 'x')
  writeFileSync(file, 'd\n')
  await waitFor(() => calls === 2, 'a second reload for the later write')
})

test('a Kubernetes-style ..data symlink swap is seen', async (t) => {
  const dir = tempDir(t)
  // The layout kubelet's atomic writer makes for a mounted Secret.
  mkdirSync(join(dir, '..v1'))
  writeFileSync(join(dir, '..v1', 'passwd'), 'v1\n')
  symlinkSync('..v1', join(dir, '..data'))
  symlinkSync(join('..data', 'passwd'), join(dir, 'passwd'))
  let calls = 0
  const w = watchFiles([join(dir, 'passwd')], () => { calls++ }, { debounceMs: 50 })
  t.after(() => w.close())
  mkdirSync(join(dir, '..v2'))
  writeFileSync(join(dir, '..v2', 'passwd'), 'v2\n')
  symlinkSync('..v2', join(dir, '..data_tmp'))
  renameSync(join(dir, '..data_tmp'), join(dir, '..data'))
  await waitFor(() => calls >= 1, 'a reload after the swap')
})
