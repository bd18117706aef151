import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface TestPki {
  dir: string
  ca: string
  serverCert: string
  serverKey: string
  /** Signed by the CA, CN = device-7. */
  clientCert: string
  clientKey: string
  /** Self-signed, CN = intruder: not trusted by the CA. */
  rogueCert: string
  rogueKey: string
  /** Issue another server certificate (for reload tests). */
  issueServer: (name: string, cn: string) => Promise<{ cert: string, key: string }>
  cleanup: () => void
}

/** A throwaway CA with server and client certificates, made with the openssl CLI. */
export async function createTestPki (): Promise<TestPki> {
  const dir = mkdtempSync(join(tmpdir(), 'siar-pki-'))
  const p = (name: string): string => join(dir, name)
  const openssl = async (...args: string[]): Promise<void> => { await run('openssl', args, { cwd: dir }) }
  await openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=siar test CA',
    '-keyout', p('ca.key'), '-out', p('ca.crt'))
  writeFileSync(p('server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n')

  const issue = async (name: string, cn: string, ext?: string): Promise<{ cert: string, key: string }> => {
    await openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-keyout', p(`${name}.key`), '-out', p(`${name}.csr`))
    await openssl('x509', '-req', '-in', p(`${name}.csr`), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial',
      '-days', '2', '-out', p(`${name}.crt`), ...(ext ? ['-extfile', p(ext)] : []))
    return { cert: p(`${name}.crt`), key: p(`${name}.key`) }
  }
  const server = await issue('server', 'localhost', 'server.ext')
  const client = await issue('client', 'device-7')
  await openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=intruder',
    '-keyout', p('rogue.key'), '-out', p('rogue.crt'))
  return {
    dir,
    ca: p('ca.crt'),
    serverCert: server.cert,
    serverKey: server.key,
    clientCert: client.cert,
    clientKey: client.key,
    rogueCert: p('rogue.crt'),
    rogueKey: p('rogue.key'),
    issueServer: (name, cn) => issue(name, cn, 'server.ext'),
    cleanup: () => rmSync(dir, { recursive: true, force: true })
  }
}
