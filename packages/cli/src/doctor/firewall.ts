import { runCommand } from './run-command.js'
import { firewalldAllows, iptablesAllows, nftAllows, ufwAllows } from './firewall-rules.js'
import { fail, info, pass, type CheckResult } from './check-result.js'

/**
 * Is a firewall on this machine likely to stop devices reaching these ports?
 * The first firewall manager found active speaks for the machine (ufw and
 * firewalld write nft/iptables rules themselves). Needs root to read rules;
 * without it the check says how to look and how to open the port.
 */
export async function checkFirewall (ports: number[], platform: NodeJS.Platform = process.platform): Promise<CheckResult> {
  const list = ports.join(', ')
  if (platform === 'win32') {
    const cmds = ports.map((p) => `netsh advfirewall firewall add rule name="siar ${p}" dir=in action=allow protocol=TCP localport=${p}`)
    return info(`Windows Firewall may ask or block port ${list} for devices on the network`,
      `to open it, in an administrator terminal: ${cmds.join(' & ')}`)
  }
  if (platform === 'darwin') return await macFirewall(list)
  if (platform !== 'linux') return info(`no firewall check for ${platform}`)

  const ufw = await runCommand('ufw', ['status', 'verbose'])
  if (ufw.found && /Status:\s*active/.test(ufw.stdout)) {
    const closed = ports.filter((p) => ufwAllows(ufw.stdout, p) === false)
    return closed.length === 0 ? pass(`ufw is active and allows port ${list}`)
      : fail(`ufw is active and blocks port ${closed.join(', ')}`, closed.map((p) => `sudo ufw allow ${p}/tcp`).join(' && '))
  }
  if (ufw.found && ufw.code !== 0) return info('ufw is installed but its status needs root', `sudo ufw status; to open: ${ports.map((p) => `sudo ufw allow ${p}/tcp`).join(' && ')}`)

  const state = await runCommand('firewall-cmd', ['--state'])
  if (state.found && /^running/m.test(state.stdout)) {
    const [p, s] = await Promise.all([runCommand('firewall-cmd', ['--list-ports']), runCommand('firewall-cmd', ['--list-services'])])
    const closed = ports.filter((port) => !firewalldAllows(p.stdout, s.stdout, port))
    return closed.length === 0 ? pass(`firewalld is running and allows port ${list}`)
      : fail(`firewalld is running and blocks port ${closed.join(', ')}`,
        `${closed.map((port) => `sudo firewall-cmd --permanent --add-port=${port}/tcp`).join(' && ')} && sudo firewall-cmd --reload`)
  }

  const nft = await runCommand('nft', ['list', 'ruleset'])
  if (nft.found && nft.code === 0) {
    const closed = ports.filter((port) => !nftAllows(nft.stdout, port))
    if (closed.length > 0) {
      return fail(`nftables rules likely block port ${closed.join(', ')} (an input chain drops what it does not accept)`,
        `add an accept rule before the drop, e.g. ${closed.map((port) => `sudo nft insert rule inet filter input tcp dport ${port} accept`).join(' && ')} (table and chain names vary)`)
    }
  }
  const ipt = await runCommand('iptables', ['-S', 'INPUT'])
  if (ipt.found && ipt.code === 0) {
    const closed = ports.filter((port) => !iptablesAllows(ipt.stdout, port))
    if (closed.length > 0) {
      return fail(`iptables rules likely block port ${closed.join(', ')}`, closed.map((port) => `sudo iptables -I INPUT -p tcp --dport ${port} -j ACCEPT`).join(' && '))
    }
  }
  const looked = [['ufw', ufw], ['firewalld', state], ['nft', nft], ['iptables', ipt]] as const
  const present = looked.filter(([, r]) => r.found).map(([name]) => name)
  const unreadable = looked.filter(([, r]) => r.found && r.code !== 0 && r !== state).map(([name]) => name)
  if (unreadable.length > 0) return info(`cannot read the ${unreadable.join('/')} rules without root`, 'run siar doctor with sudo to check the firewall')
  return pass(present.length === 0
    ? `no local firewall found (looked for ufw, firewalld, nft, iptables) to block port ${list}`
    : `no ${present.join('/')} rule found that blocks port ${list}`)
}

async function macFirewall (list: string): Promise<CheckResult> {
  const fw = '/usr/libexec/ApplicationFirewall/socketfilterfw'
  const state = await runCommand(fw, ['--getglobalstate'])
  if (state.found && /enabled/i.test(state.stdout)) {
    const app = await runCommand(fw, ['--getappblocked', process.execPath])
    if (/is blocked|blocked/i.test(app.stdout) && !/not blocked|permitted/i.test(app.stdout)) {
      return fail(`the macOS firewall blocks incoming connections to Node.js (port ${list})`, `sudo ${fw} --unblockapp ${process.execPath}`)
    }
    return info(`the macOS firewall is on: allow Node.js when macOS asks (port ${list})`, `or: sudo ${fw} --add ${process.execPath} && sudo ${fw} --unblockapp ${process.execPath}`)
  }
  const pf = await runCommand('pfctl', ['-s', 'info'])
  if (pf.found && /Status:\s*Enabled/.test(pf.stdout)) {
    return info(`pf is enabled; check that it passes port ${list}`, `add to /etc/pf.conf: pass in proto tcp to any port { ${list} }, then sudo pfctl -f /etc/pf.conf`)
  }
  return pass(`no macOS firewall found to block port ${list}`)
}
