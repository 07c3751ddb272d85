// `boot.js` on the agent disk: runs the CLI bundle through a V8 code cache kept on the agent disk (/opt/edgepush,
// shared across boards by codeCache.ts), so a start skips most of compiling the 3 MB bundle, the slowest part of
// the agent's start-up under TCG (Node compiles user code afresh at every start unless told otherwise). The cache is written once
// start-up is over (or when the agent exits), atomically; V8 rejects a cache that does not match the bundle.
export const agentLoaderSource = `'use strict';
const fs = require('fs');
const path = require('path');
const vm = require('vm');
const Module = require('module');
const [node, , given, cacheFile, ...rest] = process.argv;
const t0 = performance.now();
const file = path.resolve(given);
const source = fs.readFileSync(file, 'utf8').replace(/^#!.*/, '');
let cachedData;
try {
  cachedData = fs.readFileSync(cacheFile);
} catch {
  cachedData = undefined;
}
const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
const mod = new Module(file, null);
mod.filename = file;
mod.paths = Module._nodeModulePaths(path.dirname(file));
process.argv = [node, file, ...rest];
script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
const cacheState = cachedData === undefined ? 'none yet' : script.cachedDataRejected ? 'rejected' : 'used';
// where the agent's start-up goes: Node's own (before this file runs) and the bundle's top-level code
const took = (ms) => (ms / 1000).toFixed(1) + ' s';
process.stderr.write('edgepush agent loader: code cache ' + cacheState + ' (node start-up ' + took(t0) + ', bundle ' + took(performance.now() - t0) + ')\\n');
let written = false;
function writeCache() {
  if (written) return;
  written = true;
  try {
    const tmp = cacheFile + '.tmp';
    fs.writeFileSync(tmp, script.createCachedData());
    fs.renameSync(tmp, cacheFile);
  } catch {
    // no cache this time
  }
}
if (cachedData === undefined || script.cachedDataRejected) {
  // once start-up is over (the functions it needed are compiled), or at the latest when the agent exits
  setTimeout(writeCache, 10000).unref();
  process.once('exit', writeCache);
}
`;
