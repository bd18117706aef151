import { readFile } from 'node:fs/promises'
import { extname } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { ErrorCodes, SiarError } from './errors.js'
import { optionsFromEnv, optionsFromFlags, setPath } from './option-sources.js'
import { parseOptions, type ResolvedBrokerOptions } from './options.js'

export interface ResolveConfigInput {
  /** Flag values keyed by option path (see OPTION_SOURCES). */
  flags?: Record<string, unknown>
  env?: Record<string, string | undefined>
  /** A YAML or JSON file; `SIAR_CONFIG` in env names one too. */
  configFile?: string
}

/** Merge defaults < file < env < flags and validate the result once. */
export async function resolveConfig (input: ResolveConfigInput = {}): Promise<ResolvedBrokerOptions> {
  const env = input.env ?? {}
  const configFile = input.configFile ?? env.SIAR_CONFIG
  const merged: Record<string, unknown> = {}
  const sources: Record<string, string> = {}

  if (configFile) {
    const fromFile = await readConfigFile(configFile)
    for (const [path, value] of flatten(fromFile)) {
      setPath(merged, path, value)
      sources[path] = `file ${configFile}`
    }
  }
  for (const layer of [optionsFromEnv(env), optionsFromFlags(input.flags ?? {})]) {
    for (const [path, value] of Object.entries(layer.values)) setPath(merged, path, value)
    Object.assign(sources, layer.sources)
  }
  return parseOptions(merged, sources)
}

export async function readConfigFile (file: string): Promise<Record<string, unknown>> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message
    throw new SiarError(ErrorCodes.CONFIG_FILE_UNREADABLE, `cannot read config file ${file}: ${reason}`, { cause: err })
  }
  let data: unknown
  try {
    data = extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text)
  } catch (err) {
    throw new SiarError(ErrorCodes.CONFIG_FILE_SYNTAX, `config file ${file} is not valid ${extname(file) === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message}`, { cause: err })
  }
  if (data === null || data === undefined) return {}
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new SiarError(ErrorCodes.CONFIG_FILE_SYNTAX, `config file ${file} must hold a mapping of keys to values, got ${Array.isArray(data) ? 'a list' : typeof data}`)
  }
  return data as Record<string, unknown>
}

/** Leaf paths of a plain object; arrays are leaves (e.g. bridge lists). */
function flatten (obj: Record<string, unknown>, prefix = ''): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = []
  for (const [key, value] of Object.entries(obj)) {
    const path = prefix ? `${prefix}.${key}` : key
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && !Buffer.isBuffer(value)) {
      out.push(...flatten(value as Record<string, unknown>, path))
    } else {
      out.push([path, value])
    }
  }
  return out
}
