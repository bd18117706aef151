#!/usr/bin/env node
// Container entry point: configuration from SIAR_* env and SIAR_CONFIG only.
import { runServer } from './run-server.js'

const server = await runServer()
if (!server) process.exit(1)
