import type { ServiceSpec } from './service-spec.js'

/**
 * The settings node-windows gets (it wraps WinSW, which registers the
 * service and restarts node when it dies). Kept as plain data so --dry-run
 * can show it and tests can check it on any OS.
 */
export interface WindowsServiceConfig {
  name: string
  description: string
  script: string
  scriptOptions: string
  execPath: string
  env: Array<{ name: string, value: string }>
}

const quoteArg = (a: string): string => (/[\s"]/.test(a) ? `"${a.replace(/"/g, '\\"')}"` : a)

export function windowsServiceConfig (spec: ServiceSpec): WindowsServiceConfig {
  return {
    name: spec.name,
    description: spec.description,
    script: spec.siarBin,
    scriptOptions: spec.args.map(quoteArg).join(' '),
    execPath: spec.nodePath,
    env: Object.entries(spec.env).map(([name, value]) => ({ name, value }))
  }
}

type WindowsAction = 'install' | 'uninstall'

/**
 * Install or remove the service through node-windows, loaded only here and
 * only on Windows (an optional dependency). Needs an administrator terminal.
 */
export async function runWindowsService (config: WindowsServiceConfig, action: WindowsAction, say: (line: string) => void): Promise<boolean> {
  const moduleName = 'node-windows'
  let Service: new (config: WindowsServiceConfig) => NodeWindowsService
  try {
    ({ Service } = (await import(moduleName)) as { Service: typeof Service })
  } catch {
    say('siar service on Windows needs node-windows, an optional dependency of siar: reinstall siar (npm install -g siar) where npm can install it')
    return false
  }
  const svc = new Service(config)
  return await new Promise((resolve) => {
    svc.on('error', (err: unknown) => { say(`error: ${String(err)}`); resolve(false) })
    svc.on('invalidinstallation', () => { say('the service files are incomplete; run siar service uninstall and install again'); resolve(false) })
    if (action === 'install') {
      svc.on('alreadyinstalled', () => { say(`service ${config.name} is already installed`); resolve(true) })
      svc.on('install', () => { say(`installed service ${config.name}; starting it`); svc.start() })
      svc.on('start', () => { say(`service ${config.name} started`); resolve(true) })
      svc.install()
    } else {
      svc.on('alreadyuninstalled', () => { say(`service ${config.name} is not installed`); resolve(true) })
      svc.on('uninstall', () => { say(`removed service ${config.name}`); resolve(true) })
      svc.uninstall()
    }
  })
}

interface NodeWindowsService {
  on: (event: string, listener: (...args: unknown[]) => void) => void
  install: () => void
  uninstall: () => void
  start: () => void
}
