#!/bin/sh
# Runs compare.mjs with the open-file limit raised as far as allowed: the memory
# scenario holds 10,000 connections (one descriptor each in the generator and the broker).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec node "$(dirname "$0")/compare.mjs" "$@"
