import { join } from 'node:path'
import type { ServiceSpec } from './service-spec.js'
import type { ServicePlan } from './service-plan.js'

const xml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
const str = (s: string): string => `<string>${xml(s)}</string>`

/** launchd's property list (launchd.plist(5)): run at load, restart when it exits with an error. */
export function renderLaunchdPlist (spec: ServiceSpec, logFile: string): string {
  const args = [spec.nodePath, spec.siarBin, ...spec.args].map((a) => `    ${str(a)}`).join('\n')
  const env = Object.entries(spec.env).map(([k, v]) => `    <key>${xml(k)}</key>\n    ${str(v)}`).join('\n')
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<!-- Written by siar service install; remove with siar service uninstall. -->
<plist version="1.0">
<dict>
  <key>Label</key>
  ${str(spec.name)}
  <key>ProgramArguments</key>
  <array>
${args}
  </array>
  <key>EnvironmentVariables</key>
  <dict>
${env}
  </dict>
  <key>RunAtLoad</key>
  <true/>
  <key>KeepAlive</key>
  <dict>
    <key>SuccessfulExit</key>
    <false/>
  </dict>
  <key>ThrottleInterval</key>
  <integer>5</integer>
  <key>WorkingDirectory</key>
  ${str(spec.home)}
${spec.scope === 'system' ? `  <key>UserName</key>\n  ${str(spec.runAs)}\n` : ''}  <key>StandardOutPath</key>
  ${str(logFile)}
  <key>StandardErrorPath</key>
  ${str(logFile)}
</dict>
</plist>
`
}

export function launchdPlan (spec: ServiceSpec, uid: number): ServicePlan {
  const user = spec.scope === 'user'
  const dir = user ? join(spec.home, 'Library', 'LaunchAgents') : '/Library/LaunchDaemons'
  const path = join(dir, `${spec.name}.plist`)
  const logFile = user ? join(spec.home, 'Library', 'Logs', 'siar.log') : '/var/log/siar.log'
  const domain = user ? `gui/${uid}` : 'system'
  return {
    kind: 'launchd',
    files: [{ path, content: renderLaunchdPlist(spec, logFile) }],
    // bootout first so install also replaces an older version of the agent.
    install: [{ argv: ['launchctl', 'bootout', `${domain}/${spec.name}`], optional: true }, { argv: ['launchctl', 'bootstrap', domain, path] }],
    uninstall: [{ argv: ['launchctl', 'bootout', `${domain}/${spec.name}`], optional: true }],
    afterUninstall: [],
    status: [{ argv: ['launchctl', 'print', `${domain}/${spec.name}`] }],
    logs: `tail -f ${logFile}`,
    needsRoot: !user
  }
}
