// Builds the bundles: the extension (node, cjs, `vscode` external, and its lazily loaded heavy half), the
// dashboard webview (browser), the CLI (node, with a shebang, in two files), the board agent and the delta
// worker. `--production` minifies and drops sourcemaps; `--watch` rebuilds.
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, chmodSync, readFileSync, writeFileSync } from 'node:fs';

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
      if (result.errors.length > 0 || !file?.endsWith('.js')) return;
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
  logLevel: 'info',
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

/** Leaves simulator/cli/heavyCommands.ts and deviceCommands.ts out of the bundle: they are required at run time
 *  as ./cliHeavy.js and ./cliDevice.js. */
const commandBundlesApart = {
  name: 'command-bundles-apart',
  setup(build) {
    build.onResolve({ filter: /heavyCommands\.js$/ }, () => ({ path: './cliHeavy.js', external: true }));
    build.onResolve({ filter: /deviceCommands\.js$/ }, () => ({ path: './cliDevice.js', external: true }));
  },
};

/** The board agent's command list (simulator/cli/agentRegistry.ts) in place of the CLI's (registry.ts). */
const agentCommandsOnly = {
  name: 'agent-commands-only',
  setup(build) {
    build.onResolve({ filter: /^\.\/registry\.js$/ }, (args) =>
      /[\\/]cli[\\/]main\.ts$/.test(args.importer)
        ? { path: new URL('../simulator/cli/agentRegistry.ts', import.meta.url).pathname }
        : undefined,
    );
  },
};

const builds = [
  {
    ...common,
    entryPoints: ['extension/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', ...nativeOptional],
  },
  {
    // The extension's heavy half, loaded on first use (extension/workLoader.ts) to keep activation cheap.
    ...common,
    entryPoints: ['extension/work.ts'],
    outfile: 'dist/extensionWork.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', ...nativeOptional],
  },
  {
    // The CLI in two files: dist/cli.js (dispatcher, help, `delta create|apply`) loads dist/cliHeavy.js only for
    // the commands that need it (simulator/cli/registry.ts), so a light command compiles ~150 KB, not 3 MB.
    ...cli,
    entryPoints: ['simulator/cli/main.ts'],
    outfile: 'dist/cli.js',
    plugins: [unusedEngineTransports, latin1Only, commandBundlesApart],
    // `import()` of those bundles becomes `require()`: a CommonJS file loaded through import() is first scanned by
    // Node's export lexer, which on 0.6-1 MB of bundle costs each agent 5 MB of resident memory and each command
    // tens of milliseconds.
    supported: { 'dynamic-import': false },
  },
  {
    ...cli,
    entryPoints: ['simulator/cli/heavyCommands.ts'],
    outfile: 'dist/cliHeavy.js',
    banner: undefined,
  },
  {
    // The device agent (`edgepush device`), apart from the rest so that each simulated device holds only its own code.
    ...cli,
    entryPoints: ['simulator/cli/deviceCommands.ts'],
    outfile: 'dist/cliDevice.js',
    banner: undefined,
  },
  {
    // The agent a QEMU board runs (simulator/board/agentDisk.ts): the CLI with `edgepush device` only, in one file,
    // which the board's loader compiles once into a V8 code cache.
    ...cli,
    entryPoints: ['simulator/cli/main.ts'],
    outfile: 'dist/agent.js',
    plugins: [unusedEngineTransports, latin1Only, agentCommandsOnly],
  },
  {
    // The delta codec's worker thread (simulator/engine/imageDeltaOffThread.ts), beside the bundles that use it.
    ...common,
    entryPoints: ['simulator/engine/deltaWorker.ts'],
    outfile: 'dist/deltaWorker.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
  },
  {
    // The program the delta helper container runs on a stock device (simulator/push/helper/), uploaded per push:
    // node built-ins, dockerode and the engine's apply only. Node 14 and later (older supervisor images).
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
  {
    ...common,
    entryPoints: ['webview/main.ts'],
    outfile: 'dist/webview.js',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  },
];

function copyAssets() {
  mkdirSync('dist/codicons', { recursive: true });
  for (const f of ['codicon.css', 'codicon.ttf']) {
    cpSync(`node_modules/@vscode/codicons/dist/${f}`, `dist/codicons/${f}`);
  }
}

if (watch) {
  const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
  copyAssets();
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  copyAssets();
  chmodSync('dist/cli.js', 0o755);
}
