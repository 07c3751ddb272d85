// The conformance suite against the real balena-supervisor v19.0.5 in local mode on its own private dockerd
// (scripts/real-supervisor/, cached by scripts/setup.sh): started once for this file. Skipped, saying why, where
// it cannot run (not root). SUP_ENGINE_DIR=<balenaEngine build> runs it on balenaEngine.
import { test } from 'node:test';
import { conformanceSuite } from './conformanceSuite.js';
import { realSupervisorUnavailable, startRealTarget } from './targets.js';
import { testAddress } from '../../testNet.js';

const why = realSupervisorUnavailable();
if (why) test(`conformance: real balena-supervisor (skipped: ${why})`, { skip: why }, () => undefined);
else conformanceSuite('real balena-supervisor v19.0.5', () => startRealTarget(testAddress(21, 20)));
