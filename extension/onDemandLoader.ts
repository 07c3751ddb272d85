// Loads dist/extensionCommands.js (the bundle of extension/onDemand.ts: the commands, panels, push runner and
// simulated devices) when a command first runs or a panel is restored, and makes its services once.
import type * as OnDemand from './onDemand.js';
import { requireBundle } from './lazyBundle.js';
import type { AddDisposable, CoreServices, OnDemandServices } from './services.js';

export type OnDemandModule = typeof OnDemand;

let loaded: OnDemandModule | undefined;

export function loadOnDemand(): OnDemandModule {
  loaded ??= requireBundle<OnDemandModule>('extensionCommands', 'onDemand');
  return loaded;
}

/** The on-demand services of one activation, made on first use. */
export function onDemandServices(core: CoreServices, add: AddDisposable): () => OnDemandServices {
  let made: OnDemandServices | undefined;
  return () => (made ??= loadOnDemand().createOnDemandServices(core, add));
}
