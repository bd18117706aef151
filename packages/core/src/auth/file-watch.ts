import { watch, type FSWatcher } from 'node:fs'
import { basename, dirname } from 'node:path'

export const DEFAULT_WATCH_DEBOUNCE_MS = 200

export interface FileWatch { close: () => void }

/**
 * Call `onChange` once a burst of changes to any of `paths` has settled.
 * Watches the containing directories rather than the files: editors and
 * config tools replace a file (write a temp file, rename it over), which
 * ends a watch held on the old inode but shows up as an event in the folder.
 * The files are re-read through their path, so symlinks are followed.
 */
export function watchFiles (paths: readonly string[], onChange: () => void, opts: { debounceMs?: number, onError?: (err: Error) => void } = {}): FileWatch {
  const debounceMs = opts.debounceMs ?? DEFAULT_WATCH_DEBOUNCE_MS
  const byDir = new Map<string, Set<string>>()
  for (const p of paths) {
    const dir = dirname(p)
    const names = byDir.get(dir) ?? new Set<string>()
    names.add(basename(p))
    byDir.set(dir, names)
  }
  let timer: NodeJS.Timeout | undefined
  const fire = (): void => {
    if (timer) clearTimeout(timer)
    timer = setTimeout(() => { timer = undefined; onChange() }, debounceMs)
    timer.unref()
  }
  const watchers: FSWatcher[] = []
  for (const [dir, names] of byDir) {
    try {
      const w = watch(dir, { persistent: false }, (_event, filename) => {
        // Some platforms give no file name; a spurious reload is harmless.
        // Kubernetes mounts Secrets/ConfigMaps as `name -> ..data/name` and
        // updates them by swapping the `..data` symlink, so that counts too.
        const name = filename === null ? null : String(filename)
        if (name === null || names.has(name) || name.startsWith('..data')) fire()
      })
      w.on('error', (err) => opts.onError?.(err))
      watchers.push(w)
    } catch (err) {
      opts.onError?.(err as Error)
    }
  }
  return {
    close: () => {
      if (timer) clearTimeout(timer)
      for (const w of watchers) w.close()
    }
  }
}
