// Builds the three bundles: the extension (node, cjs, `vscode` external), the dashboard webview (browser)
// and the CLI (node, with a shebang). `--production` minifies and drops sourcemaps; `--watch` rebuilds.
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, chmodSync, readFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync('package.json', 'utf8'));

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

// ssh2 (through dockerode) loads optional native addons inside try/catch; they are never needed here.
const nativeOptional = ['cpu-features', '*.node'];

const common = {
  bundle: true,
  minify: production,
  sourcemap: production ? false : 'linked',
  sourcesContent: false,
  logLevel: 'info',
  legalComments: 'none',
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
    ...common,
    entryPoints: ['simulator/cli/main.ts'],
    outfile: 'dist/cli.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: nativeOptional,
    banner: { js: '#!/usr/bin/env node' },
    define: { EDGEPUSH_VERSION: JSON.stringify(version) },
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
