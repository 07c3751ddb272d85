// The CLI as a package: `npm pack` holds the bundles (package.json `files`) and no sources, and
// `npm install -g` of it into an empty prefix, offline (it needs nothing from a registry), puts a working
// `edgepush` on that prefix's PATH: --version, and a push to a simulated device from outside this repository.
// Uses the bundles `npm test` built (`--ignore-scripts`: no rebuild under tests running beside this one).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startDevice, type TestDevice } from '../push/harness.js';
import { testAddress } from '../../testNet.js';

const repo = resolve('.');

describe('npm pack and npm install -g', () => {
  let root: string;
  let dev: TestDevice;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'ep19-npm-'));
    dev = await startDevice(testAddress(102, 10), 'ep19-npm');
  });
  after(async () => {
    await dev?.cleanup();
    if (root) await rm(root, { recursive: true, force: true });
  });

  test('the package holds the bundles only, installs offline and runs', async () => {
    const npmEnv = {
      ...process.env,
      npm_config_cache: join(root, 'npm-cache'),
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
    };
    const pack = spawnSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', root], {
      cwd: repo,
      env: npmEnv,
      encoding: 'utf8',
    });
    assert.equal(pack.status, 0, pack.stderr);
    const [info] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
    const files = info!.files.map((f) => f.path).sort();
    for (const f of ['dist/cli.js', 'dist/cliHeavy.js', 'dist/agent.js', 'dist/deltaWorker.js', 'package.json'])
      assert.ok(files.includes(f), `${f} in the package`);
    const stray = files.filter(
      (f) => !/^(dist\/[^/]+\.js|dist\/codicons\/|media\/|README\.md|CHANGELOG\.md|LICENSE|package\.json|package\.nls\.json)/.test(f),
    );
    assert.deepEqual(stray, [], 'only bundles, media and docs');
    const manifest = JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')) as { dependencies?: object; version: string };
    assert.equal(manifest.dependencies, undefined, 'the bundles carry their libraries: nothing to install beside them');

    const prefix = join(root, 'prefix');
    const install = spawnSync('npm', ['install', '-g', '--offline', '--prefix', prefix, join(root, info!.filename)], {
      cwd: root,
      env: npmEnv,
      encoding: 'utf8',
    });
    assert.equal(install.status, 0, install.stderr);
    const bin = join(prefix, 'bin', 'edgepush');
    const env = { ...process.env, PATH: `${join(prefix, 'bin')}:${process.env.PATH}` };
    const version = spawnSync('edgepush', ['--version'], { cwd: root, env, encoding: 'utf8' });
    assert.equal(version.status, 0, version.stderr);
    assert.equal(version.stdout.trim(), manifest.version);

    // From a folder outside the repository, with the installed command only.
    const app = join(root, 'hello');
    await cp(join(repo, 'examples', 'hello'), app, { recursive: true });
    const push = spawnSync(bin, ['push', '--device', dev.address, '--detached'], { cwd: app, env, encoding: 'utf8', timeout: 180_000 });
    assert.equal(push.status, 0, push.stderr);
    assert.match(push.stdout, /Delta report for .*\n[^]*main .* Running/);
  });
});
