// The filesystem content store passes the conformance suite.
import { ContentStore } from '../../../simulator/engine/contentStore.js';
import { runContentStoreSuite } from './contentStoreSuite.js';

runContentStoreSuite('filesystem store', (root, opts) => ContentStore.open(root, opts));
