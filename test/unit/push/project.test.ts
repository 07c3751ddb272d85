// Project loading: compose subset, Dockerfile choice and templates, .dockerignore, clear errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extract } from 'tar-stream';
import { resolveTemplate, selectDockerfile } from '../../../simulator/push/project/dockerfile.js';
import { loadContextFilter, tarContext } from '../../../simulator/push/project/buildContext.js';
import { checkServiceNames, loadProject } from '../../../simulator/push/project/loadProject.js';

const opts = { deviceType: 'raspberrypi4-64', arch: 'aarch64', releaseHash: 'abc123' };

async function tempProject(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ep-push-unit-'));
  for (const [p, text] of Object.entries(files)) {
    await mkdir(join(dir, p, '..'), { recursive: true });
    await writeFile(join(dir, p), text);
  }
  return dir;
}

async function tarNames(buf: Buffer): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const ex = extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (h, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => {
        chunks.push(c as Buffer);
      });
      stream.on('end', () => {
        out.set(h.name, Buffer.concat(chunks).toString());
        next();
      });
    });
    ex.on('finish', resolve);
    ex.on('error', reject);
  });
  ex.end(buf);
  await done;
  return out;
}

test('Dockerfile choice: device type > arch > template > plain, as balena resolves it', () => {
  const pick = (files: string[], specified?: string) => selectDockerfile(files, 'raspberrypi4-64', 'aarch64', specified)?.file;
  const all = ['Dockerfile', 'Dockerfile.template', 'Dockerfile.aarch64', 'Dockerfile.raspberrypi4-64'];
  assert.equal(pick(all), 'Dockerfile.raspberrypi4-64');
  assert.equal(pick(all.slice(0, 3)), 'Dockerfile.aarch64');
  assert.equal(pick(all.slice(0, 2)), 'Dockerfile.template');
  assert.equal(pick(['Dockerfile', 'Dockerfile.amd64']), 'Dockerfile');
  assert.equal(pick(['README.md']), undefined);
  // compose naming `dockerfile: Dockerfile` still gets the variant, as with balena
  assert.equal(pick(all, 'Dockerfile'), 'Dockerfile.raspberrypi4-64');
  assert.equal(pick(['Dockerfile', 'Dockerfile.aarch64'], './Dockerfile'), 'Dockerfile.aarch64');
  // a named variant of another architecture is used as a plain Dockerfile; of this one, as a variant
  assert.deepEqual(selectDockerfile(['Dockerfile.amd64'], 'raspberrypi4-64', 'aarch64', 'Dockerfile.amd64'), {
    file: 'Dockerfile.amd64',
    kind: 'plain',
  });
  assert.deepEqual(selectDockerfile(['Dockerfile.aarch64'], 'raspberrypi4-64', 'aarch64', 'Dockerfile.aarch64'), {
    file: 'Dockerfile.aarch64',
    kind: 'variant',
  });
  // a custom name and its template, in a sub-folder
  assert.deepEqual(selectDockerfile(['docker/App.template', 'docker/App'], 'x', 'amd64', 'docker/App'), {
    file: 'docker/App.template',
    kind: 'template',
  });
  assert.equal(pick(['Dockerfile.template'], 'Dockerfile.template'), 'Dockerfile.template');
});

test('template variables, with RESIN_ aliases; comments untouched; an unknown variable is an error', () => {
  const vars = { arch: 'aarch64', deviceType: 'rpi4', serviceName: 'web', appName: 'app', releaseHash: 'r1' };
  const out = resolveTemplate(
    'FROM x-%%BALENA_ARCH%%\n# %%BALENA_NOPE%% in a comment\nENV T=%%RESIN_MACHINE_NAME%% S=%%BALENA_SERVICE_NAME%% A=%%BALENA_APP_NAME%% R=%%BALENA_RELEASE_HASH%%',
    vars,
  );
  assert.equal(out, 'FROM x-aarch64\n# %%BALENA_NOPE%% in a comment\nENV T=rpi4 S=web A=app R=r1');
  assert.throws(() => resolveTemplate('FROM a\nRUN echo %%BALENA_NOPE%%', vars), /line 2: unknown template variable %%BALENA_NOPE%%/);
});

test('a single Dockerfile project is service main with balena push defaults', async () => {
  const dir = await tempProject({ Dockerfile: 'FROM busybox\n' });
  try {
    const p = await loadProject(dir, opts);
    assert.equal(p.services.length, 1);
    const s = p.services[0]!;
    assert.equal(s.name, 'main');
    assert.equal(s.dockerfile, 'Dockerfile');
    assert.equal(s.compose.keys.network_mode, 'host');
    assert.deepEqual(s.compose.keys.volumes, ['resin-data:/data']);
    assert.deepEqual(p.volumes, { 'resin-data': {} });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('examples/multi loads: two services, a volume, the template resolved for the device', async () => {
  const p = await loadProject('examples/multi', opts);
  assert.deepEqual(
    p.services.map((s) => s.name),
    ['counter', 'frontend'],
  );
  assert.deepEqual(Object.keys(p.volumes), ['shared-data']);
  const fe = p.services.find((s) => s.name === 'frontend')!;
  assert.equal(fe.dockerfile, 'Dockerfile.template');
  assert.match(fe.dockerfileText!, /DEVICE_ARCH=aarch64 DEVICE_TYPE=raspberrypi4-64 SERVICE=frontend/);
  assert.throws(() => checkServiceNames(p, ['backend']), /unknown service 'backend' \(the project has counter, frontend\)/);
});

test('missing Dockerfile, missing context and missing folder are clear errors', async () => {
  const dir = await tempProject({
    'docker-compose.yml': 'services:\n  web:\n    build: ./web\n  api:\n    build: ./api\n',
    'web/Dockerfile': 'FROM x\n',
    'api/README': 'no dockerfile',
  });
  try {
    await assert.rejects(
      loadProject(dir, opts),
      /service 'api': no Dockerfile in .* \(looked for Dockerfile.raspberrypi4-64, Dockerfile.aarch64, Dockerfile.template, Dockerfile\)/,
    );
    await writeFile(join(dir, 'docker-compose.yml'), 'services:\n  web:\n    build: ./nowhere\n');
    await assert.rejects(loadProject(dir, opts), /service 'web': build context \.\/nowhere does not exist/);
    await assert.rejects(loadProject(join(dir, 'absent'), opts), /does not exist/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('build context honours .dockerignore, always sends the Dockerfile, and carries the resolved template', async () => {
  const dir = await tempProject({
    'Dockerfile.template': 'FROM %%BALENA_ARCH%%\n',
    '.dockerignore': 'secret.txt\nlogs/\n*.tmp\n!keep.tmp\nDockerfile.template\n',
    'app.sh': 'echo hi',
    'secret.txt': 'nope',
    'logs/a.log': 'x',
    'junk.tmp': 'x',
    'keep.tmp': 'kept',
    'src/main.sh': 'main',
  });
  try {
    const filter = await loadContextFilter(dir, ['Dockerfile.template']);
    const names = await tarNames(await tarContext(dir, filter, { 'Dockerfile.template': 'FROM aarch64\n' }));
    assert.equal(names.get('Dockerfile.template'), 'FROM aarch64\n');
    assert.equal(names.get('app.sh'), 'echo hi');
    assert.equal(names.get('keep.tmp'), 'kept');
    assert.equal(names.get('src/main.sh'), 'main');
    assert.ok(names.has('.dockerignore'));
    for (const gone of ['secret.txt', 'logs/a.log', 'junk.tmp']) assert.ok(!names.has(gone), `${gone} must not be sent`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
