import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PhaseTracker, phaseOfLine, type PhaseEvent } from '../../../simulator/board/consolePhases.js';

test('reads the init script phase lines with the guest uptime', () => {
  assert.deepEqual(phaseOfLine('edgepush-phase: engine 10.49'), { phase: 'engine', guestUptime: 10.49, detail: 'engine' });
  assert.deepEqual(phaseOfLine('edgepush-phase: agent-started 2.62'), { phase: 'agent', guestUptime: 2.62, detail: 'agent-started' });
  assert.equal(phaseOfLine('edgepush-phase: something-else 1.0'), undefined);
  assert.equal(phaseOfLine('device ready: supervisor 0.0.0.0:48484'), undefined);
});

test('recognises kernel lines and balenaOS systemd milestones', () => {
  assert.equal(phaseOfLine('[    0.389321] PCI: Fatal: No config space access function found')?.phase, 'kernel');
  assert.equal(phaseOfLine('[  OK  ] Started Balena Application Container Engine.')?.phase, 'engine');
  assert.equal(phaseOfLine('[  OK  ] Started Balena supervisor.')?.phase, 'agent');
});

test('reports each phase once, in order, filling in the ones a quiet kernel skipped', () => {
  const seen: PhaseEvent[] = [];
  const t = new PhaseTracker((e) => seen.push(e));
  t.mark('qemu', 0);
  t.line('edgepush-phase: init 1.3', 2);
  t.line('edgepush-phase: init 1.3', 2.1);
  t.line('edgepush-phase: engine 10.5', 11);
  t.mark('online', 19);
  assert.deepEqual(
    seen.map((e) => `${e.phase}@${e.at}`),
    ['qemu@0', 'kernel@2', 'init@2', 'engine@11', 'online@19'],
  );
});

test('a board restored from its saved state goes qemu → restored → online, with no boot phases filled in', () => {
  const seen: PhaseEvent[] = [];
  const t = new PhaseTracker((e) => seen.push(e));
  t.mark('qemu', 0.4);
  t.mark('restored', 0.7);
  t.mark('online', 1.3);
  assert.deepEqual(
    seen.map((e) => `${e.phase}@${e.at}`),
    ['qemu@0.4', 'restored@0.7', 'online@1.3'],
  );
});
