import { execFile } from 'node:child_process'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'

export interface PlanCommand {
  argv: string[]
  /** A failure is reported but does not stop the rest (e.g. stopping what is not running). */
  optional?: boolean
}

/** Everything `siar service` does on one OS, as data: printed by --dry-run, carried out otherwise. */
export interface ServicePlan {
  kind: 'systemd' | 'launchd'
  files: Array<{ path: string, content: string }>
  install: PlanCommand[]
  /** Run before the files are removed. */
  uninstall: PlanCommand[]
  afterUninstall: PlanCommand[]
  status: PlanCommand[]
  /** How to follow the broker's log, for the person. */
  logs: string
  needsRoot: boolean
}

export interface CommandRun { code: number, output: string }

export async function runPlanCommand (cmd: PlanCommand): Promise<CommandRun> {
  const [file, ...args] = cmd.argv
  return await new Promise((resolve) => {
    execFile(file as string, args, { timeout: 30_000 }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: number | string }) | null
      const code = e ? (typeof e.code === 'number' ? e.code : 127) : 0
      const missing = e?.code === 'ENOENT' ? `${file}: command not found\n` : ''
      resolve({ code, output: `${String(stdout)}${String(stderr)}${missing}` })
    })
  })
}

/** Run commands in order; stop at the first required one that fails. */
export async function runCommands (cmds: PlanCommand[], say: (line: string) => void): Promise<boolean> {
  for (const cmd of cmds) {
    say(`$ ${formatArgv(cmd.argv)}`)
    const res = await runPlanCommand(cmd)
    if (res.output.trim() !== '') say(res.output.trimEnd())
    if (res.code !== 0 && !cmd.optional) return false
  }
  return true
}

export async function writePlanFile (path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  await writeFile(path, content, { mode: 0o644 })
}

export async function removePlanFile (path: string): Promise<void> {
  await rm(path, { force: true })
}

export function formatArgv (argv: string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(' ')
}
