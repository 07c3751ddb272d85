// Builds the bundles: the extension (node, cjs, `vscode` external; its commands and panels, and its heavy half,
// each loaded on first use), the dashboard webview (browser), the CLI (node, with a shebang: a dispatcher, the
// device agent, the heavy commands), the delta worker and the stock devices' push helper. Bundles that share code
// are layered (scripts/layeredBundles.mjs): one takes the modules it has in common with another from it at run
// time. `--production` minifies and drops sourcemaps; `--watch` builds again on every change. Prints each file's
// size and gzip size (about what it weighs in the .vsix).
import {
  cpSync,
  existsSync,
  mkdirSync,
  chmodSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  watch as watchFiles,
} from 'node:fs';
import { gzipSync } from 'node:zlib';
import { buildLayered } from './layeredBundles.mjs';

const { version } = JSON.parse(readFileSync('package.json', 'utf8'));

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

// ssh2 (through dockerode) loads optional native addons inside try/catch; they are never needed here.
const nativeOptional = ['cpu-features', '*.node'];

// dockerode requires its BuildKit session code (gRPC, about 400 KB) and docker-modem its ssh:// transport (ssh2,
// about 350 KB) when they load. EdgePush never uses either: builds post to /build itself (BuildKit without a
// session), and engines are reached over TCP or a Unix socket. Those two entry files are left out of every bundle;
// in their place a stub that says so if something ever calls it.
const unusedEngineTransports = {
  name: 'unused-engine-transports',
  setup(build) {
    const filter = /[\\/](docker-modem[\\/]lib[\\/]ssh|dockerode[\\/]lib[\\/]session)\.js$/;
    build.onLoad({ filter }, (args) => {
      const what = /ssh\.js$/.test(args.path) ? 'ssh:// engine connections' : 'BuildKit sessions through dockerode';
      return {
        contents: `module.exports = function () {\n  throw new Error(${JSON.stringify(`EdgePush is built without ${what}`)});\n};\n`,
        loader: 'js',
      };
    });
  },
};

// V8 keeps a bundle's source text in memory for as long as it runs; a single character above U+00FF (a dash or an
// arrow in a comment: esbuild escapes them in code, not in comments) makes it a two-byte string, doubling what a
// device agent holds (7 MB instead of 3.6 for dist/cliHeavy.js). Those characters are escaped as text.
const latin1Only = {
  name: 'latin1-only',
  setup(build) {
    build.onEnd((result) => {
      const file = build.initialOptions.outfile;
      if (result.errors.length > 0 || !file?.endsWith('.js') || build.initialOptions.write === false) return;
      const text = readFileSync(file, 'utf8');
      if (/[\u0100-\uffff]/.test(text))
        writeFileSync(
          file,
          text.replace(/[\u0100-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
        );
    });
  },
};

const common = {
  bundle: true,
  minify: production,
  sourcemap: production ? false : 'linked',
  sourcesContent: false,
  logLevel: 'warning',
  legalComments: 'none',
  plugins: [unusedEngineTransports, latin1Only],
};

const cli = {
  ...common,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: nativeOptional,
  banner: { js: '#!/usr/bin/env node' },
  define: { EDGEPUSH_VERSION: JSON.stringify(version) },
};

/** Leaves simulator/cli/heavyCommands.ts and deviceCommands.ts out of dist/cli.js: it requires them at run time as
 *  ./cliHeavy.js and ./agent.js. */
const commandBundlesApart = {
  name: 'command-bundles-apart',
  setup(build) {
    build.onResolve({ filter: /heavyCommands\.js$/ }, () => ({ path: './cliHeavy.js', external: true }));
    build.onResolve({ filter: /deviceCommands\.js$/ }, () => ({ path: './agent.js', external: true }));
  },
};

const extensionHost = { ...common, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode', ...nativeOptional] };

/** name: the file in dist/; layeredOn: bundles it takes its common modules from (scripts/layeredBundles.mjs). */
const bundles = [
  {
    // What activation loads: activate() wires things, commands and panels load on first use.
    name: 'extension',
    options: { ...extensionHost, entryPoints: ['extension/extension.ts'], outfile: 'dist/extension.js' },
  },
  {
    // The commands' implementations, the log and dashboard panels, the push runner, livepush and simulated devices:
    // loaded when a command first runs or a panel is restored (extension/onDemandLoader.ts).
    name: 'extensionCommands',
    layeredOn: ['extension'],
    options: { ...extensionHost, entryPoints: ['extension/onDemand.ts'], outfile: 'dist/extensionCommands.js' },
  },
  {
    // The extension's heavy half (device client, push, livepush, discovery, boards; no `vscode`), loaded on first use
    // (extension/workLoader.ts): its own code is small, the rest comes from the CLI's bundles.
    name: 'extensionWork',
    layeredOn: ['agent', 'cliHeavy'],
    options: { ...extensionHost, entryPoints: ['extension/work.ts'], outfile: 'dist/extensionWork.js' },
  },
  {
    // The CLI's dispatcher, help and `delta create|apply`: it requires dist/cliHeavy.js only for the commands that
    // need it (simulator/cli/registry.ts) and dist/agent.js for `device`, so a light command compiles ~50 KB.
    name: 'cli',
    options: {
      ...cli,
      entryPoints: ['simulator/cli/main.ts'],
      outfile: 'dist/cli.js',
      plugins: [unusedEngineTransports, latin1Only, commandBundlesApart],
      // `import()` of those bundles becomes `require()`: a CommonJS file loaded through import() is first scanned by
      // Node's export lexer, which on 0.6-1 MB of bundle costs each agent 5 MB of resident memory and each command
      // tens of milliseconds.
      supported: { 'dynamic-import': false },
    },
  },
  {
    // The device agent (`edgepush device`), in one file and apart from the rest so that each simulated device holds
    // only its own code; run as a program it is what a QEMU board runs (simulator/board/agentDisk.ts), compiled once
    // by the board's loader into a V8 code cache. The base the heavy bundles are layered on.
    name: 'agent',
    // Sharing never adds code to it: a module whose sharing would is copied into the bundles layered on it instead.
    lean: true,
    options: { ...cli, banner: undefined, entryPoints: ['simulator/cli/deviceCommands.ts'], outfile: 'dist/agent.js' },
  },
  {
    // The commands that need the push, board, fleet and registry code; the device, engine and Docker client code they
    // share with the agent comes from dist/agent.js.
    name: 'cliHeavy',
    layeredOn: ['agent'],
    options: { ...cli, banner: undefined, entryPoints: ['simulator/cli/heavyCommands.ts'], outfile: 'dist/cliHeavy.js' },
  },
  {
    // The delta codec's worker thread (simulator/engine/imageDeltaOffThread.ts), beside the bundles that use it.
    name: 'deltaWorker',
    options: {
      ...common,
      entryPoints: ['simulator/engine/deltaWorker.ts'],
      outfile: 'dist/deltaWorker.js',
      platform: 'node',
      format: 'cjs',
      target: 'node20',
    },
  },
  {
    // The program the delta helper container runs on a stock device (simulator/push/helper/), uploaded per push:
    // node built-ins, dockerode and the engine's apply only. Node 14 and later (older supervisor images).
    name: 'pushHelper',
    options: {
      ...common,
      entryPoints: ['simulator/push/helper/helperEntry.ts'],
      outfile: 'dist/pushHelper.js',
      platform: 'node',
      format: 'cjs',
      target: 'node16',
      minify: true,
      sourcemap: false,
      external: nativeOptional,
    },
  },
  {
    name: 'webview',
    options: {
      ...common,
      entryPoints: ['webview/main.ts'],
      outfile: 'dist/webview.js',
      platform: 'browser',
      format: 'iife',
      target: 'es2022',
    },
  },
];

function copyAssets() {
  mkdirSync('dist/codicons', { recursive: true });
  for (const f of ['codicon.css', 'codicon.ttf']) {
    cpSync(`node_modules/@vscode/codicons/dist/${f}`, `dist/codicons/${f}`);
  }
}

// zod is shared by none: a bundle holds only the parts of it that it uses, while a shared module keeps all its
// exports, and zod's root namespace reaches every locale and the JSON-schema code (360 KB more in dist/agent.js).
// Schemas made by two copies compose (zod 4 reaches a schema through its \`_zod\` field, not instanceof).
const keepOwnCopy = [/^node_modules\/zod\//];

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

/** Each bundle's size and gzip size, and what the layered ones take from their bases. */
function printSizes(plan) {
  const rows = bundles.map((b) => {
    const file = b.options.outfile;
    const text = readFileSync(file);
    const from = plan.get(b.name);
    const layered = from ? `  takes ${[...from].map(([base, keys]) => `${keys.size} modules from ${base}.js`).join(', ')}` : '';
    return `  ${file.padEnd(26)} ${kb(text.length).padStart(10)} ${kb(gzipSync(text).length).padStart(10)} gzip${layered}`;
  });
  const total = bundles.reduce((n, b) => n + statSync(b.options.outfile).size, 0);
  console.log(`${rows.join('\n')}\n  ${'all bundles'.padEnd(26)} ${kb(total).padStart(10)}`);
}

/** Bundles an earlier build made that this one does not (dist/*.js goes into the package as it is). */
function removeStaleBundles() {
  const ours = new Set(bundles.map((b) => b.options.outfile.split('/').pop()));
  for (const f of existsSync('dist') ? readdirSync('dist') : [])
    if (/\.js(\.map)?$/.test(f) && !ours.has(f.replace(/\.map$/, ''))) rmSync(`dist/${f}`);
}

async function buildAll() {
  removeStaleBundles();
  const { plan } = await buildLayered(bundles, keepOwnCopy);
  copyAssets();
  chmodSync('dist/cli.js', 0o755);
  printSizes(plan);
}

await buildAll();
if (watch) {
  // Layering plans from whole builds, so a change builds everything again (a few seconds).
  let timer;
  let running = Promise.resolve();
  const again = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      running = running.then(() => buildAll().catch((err) => console.error(err.message)));
    }, 200);
  };
  for (const dir of ['extension', 'simulator', 'webview']) watchFiles(dir, { recursive: true }, again);
  console.log('watching extension/, simulator/ and webview/');
}
