import { join } from 'node:path'
import type { ServiceSpec } from './service-spec.js'
import type { ServicePlan } from './service-plan.js'

/** systemd expands `%` specifiers and `$VAR` in ExecStart; double them to mean themselves. */
function systemdQuote (arg: string): string {
  const escaped = arg.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%').replace(/\$/g, '$$$$')
  return /^[\w@%+=:,./$-]+$/.test(escaped) ? escaped : `"${escaped}"`
}

/** Environment= expands `%` specifiers but not `$`. */
function envQuote (assignment: string): string {
  const escaped = assignment.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%')
  return /^[\w@%+=:,./-]+$/.test(escaped) ? escaped : `"${escaped}"`
}

export function renderSystemdUnit (spec: ServiceSpec): string {
  const exec = [spec.nodePath, spec.siarBin, ...spec.args].map(systemdQuote).join(' ')
  const lines = [
    '# Written by `siar service install`; remove with `siar service uninstall`.',
    '[Unit]',
    `Description=${spec.description}`,
    'Documentation=man:systemd.service(5)',
    // network-online: with --lan the broker should bind after the Wi-Fi/LAN address exists.
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${exec}`,
    ...Object.entries(spec.env).map(([k, v]) => `Environment=${envQuote(`${k}=${v}`)}`),
    'Restart=on-failure',
    'RestartSec=2',
    // siar drains clients on SIGTERM and exits within 5 s (plus a cluster drain window).
    'KillSignal=SIGTERM',
    'TimeoutStopSec=30',
    'NoNewPrivileges=true'
  ]
  if (spec.scope === 'system') lines.push(`User=${spec.runAs}`, 'PrivateTmp=true', 'ProtectSystem=full')
  lines.push('', '[Install]', `WantedBy=${spec.scope === 'system' ? 'multi-user.target' : 'default.target'}`, '')
  return lines.join('\n')
}

export function systemdPlan (spec: ServiceSpec): ServicePlan {
  const user = spec.scope === 'user'
  const dir = user ? join(spec.home, '.config', 'systemd', 'user') : '/etc/systemd/system'
  const unit = `${spec.name}.service`
  const ctl = (...args: string[]): string[] => ['systemctl', ...(user ? ['--user'] : []), ...args]
  return {
    kind: 'systemd',
    files: [{ path: join(dir, unit), content: renderSystemdUnit(spec) }],
    install: [
      { argv: ctl('daemon-reload') },
      { argv: ctl('enable', '--now', unit) },
      // A user unit starts at boot only when the user lingers; allowed for oneself on most desktops.
      ...(user ? [{ argv: ['loginctl', 'enable-linger', spec.runAs], optional: true }] : [])
    ],
    uninstall: [{ argv: ctl('disable', '--now', unit), optional: true }],
    afterUninstall: [{ argv: ctl('daemon-reload') }],
    status: [{ argv: ctl('status', '--no-pager', unit) }],
    logs: `journalctl ${user ? '--user ' : ''}-u ${unit} -f`,
    needsRoot: !user
  }
}
