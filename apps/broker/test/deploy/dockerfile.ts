import { readFileSync } from 'node:fs'

/** One Dockerfile instruction after joining continuation lines and dropping comments. */
export interface Instruction { keyword: string, args: string, line: number }

export interface Stage { image: string, name?: string, instructions: Instruction[] }

/** Parse a Dockerfile the way the builder reads it (no heredocs: this repo uses none). */
export function parseDockerfile (file: string): { directives: Record<string, string>, instructions: Instruction[] } {
  const lines = readFileSync(file, 'utf8').split('\n')
  const directives: Record<string, string> = {}
  const instructions: Instruction[] = []
  let headerDone = false
  let pending = ''
  let startLine = 0
  lines.forEach((raw, i) => {
    const line = raw.trim()
    const directive = /^#\s*(\w+)\s*=\s*(.+)$/.exec(line)
    if (!headerDone && directive) { directives[(directive[1] ?? '').toLowerCase()] = (directive[2] ?? '').trim(); return }
    headerDone = true
    if (line.startsWith('#') || (line === '' && pending === '')) return
    if (pending === '') startLine = i + 1
    if (line.endsWith('\\')) { pending += `${line.slice(0, -1).trim()} `; return }
    const full = (pending + line).trim()
    pending = ''
    if (full === '') return
    const m = /^(\S+)\s*(.*)$/.exec(full)
    instructions.push({ keyword: (m?.[1] ?? '').toUpperCase(), args: (m?.[2] ?? '').trim(), line: startLine })
  })
  return { directives, instructions }
}

/** Split into build stages, resolving `ARG X=default` (declared before the first FROM) in FROM lines. */
export function stagesOf (instructions: Instruction[]): Stage[] {
  const globalArgs: Record<string, string> = {}
  const stages: Stage[] = []
  for (const ins of instructions) {
    if (ins.keyword === 'ARG' && stages.length === 0) {
      const [name, value] = ins.args.split('=')
      if (name) globalArgs[name.trim()] = (value ?? '').trim()
      continue
    }
    if (ins.keyword === 'FROM') {
      const words = ins.args.split(/\s+/).filter((w) => !w.startsWith('--'))
      const image = (words[0] ?? '').replace(/\$\{?(\w+)\}?/g, (_m, name: string) => globalArgs[name] ?? '')
      const asIndex = words.findIndex((w) => w.toUpperCase() === 'AS')
      stages.push({ image, name: asIndex >= 0 ? words[asIndex + 1] : undefined, instructions: [] })
      continue
    }
    stages[stages.length - 1]?.instructions.push(ins)
  }
  return stages
}

/** Exec-form (JSON array) arguments of CMD/ENTRYPOINT/HEALTHCHECK CMD, or undefined for shell form. */
export function execForm (args: string): string[] | undefined {
  const json = args.slice(args.indexOf('['))
  if (!args.includes('[')) return undefined
  try {
    const value = JSON.parse(json) as unknown
    return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined
  } catch {
    return undefined
  }
}

/** ENV instructions of a stage as a map (`ENV A=1 B=2` form). */
export function envOf (stage: Stage): Record<string, string> {
  const env: Record<string, string> = {}
  for (const ins of stage.instructions.filter((i) => i.keyword === 'ENV')) {
    for (const m of ins.args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) env[m[1] ?? ''] = (m[2] ?? '').replace(/^"|"$/g, '')
  }
  return env
}

/** .dockerignore patterns as matchers (Go filepath.Match plus `**`); a match on a parent directory excludes the path. */
export function dockerignoreMatcher (file: string): (path: string) => boolean {
  const patterns = readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))
  if (patterns.some((p) => p.startsWith('!'))) throw new Error('exception patterns (!) are not handled by this check')
  const regexes = patterns.map((p) => new RegExp(`^${globToRegex(p.replace(/^\//, ''))}$`))
  return (path: string) => {
    const parts = path.split('/')
    for (let i = 1; i <= parts.length; i++) {
      const prefix = parts.slice(0, i).join('/')
      if (regexes.some((r) => r.test(prefix))) return true
    }
    return false
  }
}

function globToRegex (glob: string): string {
  let out = ''
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i] as string
    if (glob.startsWith('**/', i)) { out += '(?:.*/)?'; i += 2 } else if (glob.startsWith('**', i)) { out += '.*'; i += 1 } else if (ch === '*') out += '[^/]*'
    else if (ch === '?') out += '[^/]'
    else out += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&')
  }
  return out
}
