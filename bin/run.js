#!/usr/bin/env node
import { runCli } from './load-bundle.js'

await runCli()
