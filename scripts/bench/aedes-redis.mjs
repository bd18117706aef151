#!/usr/bin/env node
// Plain aedes on Redis, as its READMEs put it together: mqemitter-redis for
// routing, aedes-persistence-redis for sessions and retained messages. The
// baseline for siar's Redis backplane (issue 7).
// Usage: node scripts/bench/aedes-redis.mjs PORT REDIS_PORT
import { createServer } from 'node:net'
import { Aedes } from 'aedes'
import mqemitterRedis from 'mqemitter-redis'
import aedesPersistenceRedis from 'aedes-persistence-redis'

const port = Number(process.argv[2] ?? 1883)
const redis = { host: '127.0.0.1', port: Number(process.argv[3] ?? 6379) }
const aedes = await Aedes.createBroker({ mq: mqemitterRedis(redis), persistence: aedesPersistenceRedis(redis) })
// TCP_NODELAY as for the other brokers in targets.mjs.
const server = createServer({ noDelay: true }, aedes.handle)
server.listen(port, '127.0.0.1', () => process.stdout.write(`aedes + Redis listening on 127.0.0.1:${port}\n`))
const stop = () => server.close(() => aedes.close(() => process.exit(0)))
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
