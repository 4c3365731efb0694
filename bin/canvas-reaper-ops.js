#!/usr/bin/env node
// `canvas-reaper-ops` (npx canvas-reaper-ops status; `npm run ops` is its alias): the operator's commands.
// tsx is loaded in this process, not as a wrapper process, so a Ctrl-C reaches one Node process, not two that relay it.
'use strict';
require('tsx/cjs');
require('../ops/cli.ts').runOpsProcess();
