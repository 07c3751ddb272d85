// The extension manifest (package.json contributes) as a user meets it: every command has a category and a
// localised title, commands that act on a tree item are hidden from the palette until there is something to act
// on, activation is on project files (not every window), trust is declared, and the walkthrough's steps have
// media and complete on context keys the extension really sets.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

const root = resolve(__dirname, '..', '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const nls = JSON.parse(readFileSync(join(root, 'package.nls.json'), 'utf8')) as Record<string, string>;
type Entry = { command: string; when?: string; group?: string };
const commands = manifest.contributes.commands as { command: string; title: string; category: string; icon?: string }[];
const menus = manifest.contributes.menus as Record<string, Entry[]>;

test('every command has the EdgePush category and a title from package.nls.json', () => {
  for (const c of commands) {
    assert.equal(c.category, 'EdgePush', c.command);
    const key = /^%(.+)%$/.exec(c.title)?.[1];
    assert.ok(key && nls[key], `${c.command}: title ${c.title} is not a package.nls.json key`);
  }
});

test('every %key% in the manifest resolves in package.nls.json', () => {
  const keys = [...JSON.stringify(manifest).matchAll(/"%([^%"]+)%"/g)].map((m) => m[1]!);
  assert.ok(keys.length > 40);
  for (const k of keys) assert.ok(nls[k] !== undefined, `missing ${k}`);
});

test('commands that act on a tree item have a palette when clause; menus only name declared commands', () => {
  const ids = new Set(commands.map((c) => c.command));
  const onItems = new Set(menus['view/item/context']!.map((e) => e.command));
  const onTitle = new Set(menus['view/title']!.map((e) => e.command));
  const palette = new Map(menus.commandPalette!.map((e) => [e.command, e.when]));
  for (const id of onItems) {
    if (onTitle.has(id)) continue; // works from the view's title bar: it asks for what it needs
    assert.ok(palette.get(id), `${id} acts on a device or service: it needs a when clause in commandPalette`);
  }
  for (const [name, entries] of Object.entries(menus))
    for (const e of entries) assert.ok(ids.has(e.command), `${name} names unknown ${e.command}`);
  for (const when of palette.values()) assert.match(when ?? '', /^edgepush\.has[A-Z]\w+$/);
});

test("the view's overflow menu starts devices, adds and scans", () => {
  const overflow = menus['view/title']!.filter((e) => !e.group?.startsWith('navigation')).map((e) => e.command);
  for (const id of ['edgepush.startSimulator', 'edgepush.startSimulatorAt', 'edgepush.startBoard', 'edgepush.addDevice', 'edgepush.scan'])
    assert.ok(overflow.includes(id), id);
});

test('activation: on project files, the views, the commands and restored panels, never on start-up', () => {
  const events = manifest.activationEvents as string[];
  assert.ok(!events.includes('onStartupFinished') && !events.includes('*'));
  for (const e of [
    'workspaceContains:**/Dockerfile*',
    'workspaceContains:**/docker-compose.y*ml',
    'workspaceContains:**/balena.yml',
    'onWebviewPanel:edgepush.dashboard',
    'onWebviewPanel:edgepush.logs',
  ]) {
    assert.ok(events.includes(e), e);
  }
});

test('trust: limited in untrusted workspaces, the QEMU binary restricted and machine-overridable; no virtual workspaces', () => {
  const u = manifest.capabilities.untrustedWorkspaces;
  assert.equal(u.supported, 'limited');
  assert.ok(nls[u.description.replace(/%/g, '')]);
  assert.deepEqual(u.restrictedConfigurations, ['edgepush.qemu.binary']);
  assert.equal(manifest.contributes.configuration.properties['edgepush.qemu.binary'].scope, 'machine-overridable');
  assert.equal(manifest.capabilities.virtualWorkspaces, false);
  assert.deepEqual(manifest.extensionKind, ['workspace']);
});

test('walkthrough steps have their media and complete on context keys the extension sets', () => {
  const source = readdirSync(join(root, 'extension'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => readFileSync(join(root, 'extension', f), 'utf8'))
    .join('\n');
  const steps = manifest.contributes.walkthroughs[0].steps as { id: string; media: { markdown: string }; completionEvents: string[] }[];
  assert.equal(steps.length, 4);
  for (const s of steps) {
    assert.ok(existsSync(join(root, s.media.markdown)), s.media.markdown);
    const key = /^onContext:edgepush\.(\w+)$/.exec(s.completionEvents[0]!)?.[1];
    assert.ok(key, `${s.id}: completes on ${s.completionEvents[0]}`);
    assert.match(source, new RegExp(`set\\('${key}', true\\)`), `${s.id}: nothing sets edgepush.${key}`);
  }
});
