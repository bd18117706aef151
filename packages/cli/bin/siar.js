#!/usr/bin/env node
import { main } from '../dist/main.js'

// `siar sub ... | head` closes our stdout early: that is a normal way to stop.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0)
  throw err
})

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code
})
