#!/usr/bin/env node
// `canvas-reaper` (npx canvas-reaper --dry-run; `npm run reap` is its alias): the local reap.
// tsx is loaded in this process, not as a wrapper process, so a Ctrl-C reaches one Node process, not two that relay it.
'use strict';
require('tsx/cjs');
require('../ops/commands/reap.ts').runReapProcess();
