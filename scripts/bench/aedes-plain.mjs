#!/usr/bin/env node
// Plain aedes, in memory, as its README starts it: the baseline siar is measured
// against. Usage: node scripts/bench/aedes-plain.mjs PORT
// TCP_NODELAY is on, as siar and the Mosquitto config in targets.mjs have it, so
// the comparison is of broker work, not of Nagle's algorithm.
import { createServer } from 'node:net'
import { Aedes } from 'aedes'

const port = Number(process.argv[2] ?? 1883)
const aedes = await Aedes.createBroker()
const server = createServer({ noDelay: true }, aedes.handle)
server.listen(port, '127.0.0.1', () => process.stdout.write(`aedes listening on 127.0.0.1:${port}\n`))
const stop = () => server.close(() => aedes.close(() => process.exit(0)))
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
