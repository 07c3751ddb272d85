// The conformance suite against `edgepush device` (conformanceSuite.ts).
import { conformanceSuite } from './conformanceSuite.js';
import { startEdgePushTarget } from './targets.js';
import { testAddress } from '../../testNet.js';

conformanceSuite('edgepush device', () => startEdgePushTarget(testAddress(21, 10)));
