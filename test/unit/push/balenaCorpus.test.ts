// Compatibility with real balena projects: every project of a corpus loads for the device types it names (or a
// default set) and every Dockerfile it builds parses for livepush. Corpora, each a folder of projects
// (`<name>/` with the project's compose, Dockerfile*, balena.yml and empty placeholders for its other files):
//   - test/fixtures/balena-projects/ (committed; see its SOURCES file for what each models and why they are not
//     copies of the public files);
//   - ../shared/balena-projects/ when present (the same layout, real public files placed by the lead);
//   - every folder in EDGEPUSH_BALENA_CORPUS (`:`-separated), e.g. one made from public repositories by hand.
// A project's `DEVICE-TYPES` file names the device types it is for. A project whose folder holds a file `EXPECT-REFUSED` is one balena refuses too: it must fail with the message
// in that file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadProject } from '../../../simulator/push/project/loadProject.js';
import { finalStage } from '../../../simulator/push/livepush/dockerfileSteps.js';

/** A few device types and their architectures, for this test only (the product's table is issue 12's). */
const ARCH_OF: Record<string, string> = {
  'raspberrypi4-64': 'aarch64',
  raspberrypi5: 'aarch64',
  'jetson-nano': 'aarch64',
  'generic-aarch64': 'aarch64',
  raspberrypi3: 'armv7hf',
  'raspberrypi3-64': 'aarch64',
  'beaglebone-black': 'armv7hf',
  'raspberry-pi': 'rpi',
  raspberrypi0: 'rpi',
  'raspberry-pi2': 'armv7hf',
  'genericx86-64-ext': 'amd64',
  'intel-nuc': 'amd64',
  fincm3: 'armv7hf',
};
const DEFAULT_TYPES = ['raspberrypi4-64', 'raspberrypi3', 'genericx86-64-ext'];

function corpora(): string[] {
  const roots = [resolve('test/fixtures/balena-projects'), resolve('../shared/balena-projects')];
  for (const d of (process.env.EDGEPUSH_BALENA_CORPUS ?? '').split(':').filter(Boolean)) roots.push(resolve(d));
  return roots.filter((r) => existsSync(r));
}

/** The device types a project names in its balena.yml (`data.supportedDeviceTypes`/`defaultDeviceType`). */
function deviceTypesOf(dir: string): string[] {
  // A corpus may say which device types a project is for (one per line), e.g. when it has only one variant.
  if (existsSync(join(dir, 'DEVICE-TYPES')))
    return readFileSync(join(dir, 'DEVICE-TYPES'), 'utf8')
      .split(/\s+/)
      .filter((t) => t in ARCH_OF);
  for (const f of ['balena.yml', 'balena.yaml']) {
    if (!existsSync(join(dir, f))) continue;
    const doc = parseYaml(readFileSync(join(dir, f), 'utf8')) as {
      data?: { supportedDeviceTypes?: string[]; defaultDeviceType?: string };
    } | null;
    const named = [...(doc?.data?.supportedDeviceTypes ?? []), ...(doc?.data?.defaultDeviceType ? [doc.data.defaultDeviceType] : [])];
    const known = [...new Set(named)].filter((t) => t in ARCH_OF);
    if (known.length > 0) return known;
  }
  return DEFAULT_TYPES;
}

const projects = corpora().flatMap((root) =>
  readdirSync(root)
    .filter((n) => statSync(join(root, n)).isDirectory())
    .sort()
    .map((n) => ({ root, name: n, dir: join(root, n) })),
);

test('the corpus has at least 25 projects', () => {
  const names = new Set(projects.map((p) => p.name));
  assert.ok(names.size >= 25, `${names.size} projects in ${corpora().join(', ')}`);
});

for (const p of projects) {
  test(`balena project ${p.name} (${p.root.split('/').slice(-2).join('/')})`, async () => {
    const refusedFile = join(p.dir, 'EXPECT-REFUSED');
    const refused = existsSync(refusedFile) ? readFileSync(refusedFile, 'utf8').trim() : undefined;
    for (const deviceType of deviceTypesOf(p.dir)) {
      const load = loadProject(p.dir, { deviceType, arch: ARCH_OF[deviceType]!, releaseHash: 'corpus', environment: {} });
      if (refused) {
        await assert.rejects(load, (e: Error) => e.message.includes(refused), `${p.name} must be refused with: ${refused}`);
        continue;
      }
      const project = await load;
      assert.ok(project.services.length > 0);
      for (const s of project.services) {
        if (!s.dockerfileText) continue;
        const stage = finalStage(s.dockerfileText);
        assert.equal(stage[0]?.kind, 'FROM', `${p.name}/${s.name} (${deviceType}): the final stage starts with FROM`);
      }
    }
  });
}
