import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
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
  const Service = await loadNodeWindows()
  if (!Service) {
    say('siar service on Windows needs the node-windows package: npm install -g node-windows, then run this again')
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

type ServiceClass = new (config: WindowsServiceConfig) => NodeWindowsService

/**
 * node-windows is an optional dependency: present in a repository install,
 * left out of the standalone tarball (it bundles no optional packages). So
 * also look in npm's default global folder, %APPDATA%\npm\node_modules.
 */
async function loadNodeWindows (): Promise<ServiceClass | undefined> {
  const candidates = ['node-windows']
  if (process.env.APPDATA) candidates.push(pathToFileURL(join(process.env.APPDATA, 'npm', 'node_modules', 'node-windows', 'lib', 'node-windows.js')).href)
  for (const specifier of candidates) {
    try {
      const mod = (await import(specifier)) as { Service?: ServiceClass, default?: { Service?: ServiceClass } }
      const Service = mod.Service ?? mod.default?.Service
      if (Service) return Service
    } catch { /* try the next place */ }
  }
  return undefined
}

interface NodeWindowsService {
  on: (event: string, listener: (...args: unknown[]) => void) => void
  install: () => void
  uninstall: () => void
  start: () => void
}
