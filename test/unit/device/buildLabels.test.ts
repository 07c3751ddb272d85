import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { pack as tarPack } from 'tar-stream';
import { isPlainTar, labelsToFold, withLabels } from '../../../simulator/device/buildLabels.js';

const query = (o: Record<string, string>) => new URLSearchParams(o);
const three = JSON.stringify({ 'io.resin.local.image': '1', 'io.resin.local.service': 'main', 'io.edgepush.device': 'board-1' });

test('a classic build with several plain labels has them folded; BuildKit, a target or one label is left as sent', () => {
  assert.deepEqual(labelsToFold(query({ dockerfile: 'Dockerfile', labels: three })), JSON.parse(three));
  assert.equal(labelsToFold(query({ dockerfile: 'Dockerfile', labels: three, version: '2' })), undefined);
  assert.equal(labelsToFold(query({ dockerfile: 'Dockerfile', labels: three, target: 'build' })), undefined);
  assert.equal(labelsToFold(query({ labels: three })), undefined, 'the Dockerfile must be named');
  assert.equal(labelsToFold(query({ dockerfile: 'Dockerfile', labels: JSON.stringify({ a: '1' }) })), undefined);
  assert.equal(labelsToFold(query({ dockerfile: 'Dockerfile', labels: '{not json' })), undefined);
  for (const odd of ['a "quote"', 'back\\slash', '$HOME', 'new\nline']) {
    assert.equal(labelsToFold(query({ dockerfile: 'Dockerfile', labels: JSON.stringify({ a: '1', b: odd }) })), undefined, odd);
  }
});

test('the labels become one LABEL line at the end, after the last stage', () => {
  const text = 'FROM busybox AS build\nRUN true\nFROM busybox\nWORKDIR /app\nCMD ["sh"]\n';
  assert.equal(
    withLabels(text, { b: '2', a: 'one two' }),
    'FROM busybox AS build\nRUN true\nFROM busybox\nWORKDIR /app\nCMD ["sh"]\nLABEL "a"="one two" "b"="2"\n',
  );
  assert.equal(withLabels('FROM busybox', { a: '1', b: '2' }), 'FROM busybox\nLABEL "a"="1" "b"="2"\n');
});

test('a last instruction left open by an escape at the end of the file is closed before the LABEL line', () => {
  assert.equal(
    withLabels('FROM busybox\nRUN echo hi \\\n\n# done\n', { a: '1', b: '2' }),
    'FROM busybox\nRUN echo hi \n\n# done\nLABEL "a"="1" "b"="2"\n',
  );
  // with `# escape=\``, a backslash ends nothing (Windows paths) and the backtick is the escape
  const ticks = '# escape=`\nFROM busybox\nCOPY a C:\\\nRUN echo `\n';
  assert.equal(withLabels(ticks, { a: '1', b: '2' }), '# escape=`\nFROM busybox\nCOPY a C:\\\nRUN echo \nLABEL "a"="1" "b"="2"\n');
});

test('only an uncompressed tar context is edited', async () => {
  const p = tarPack();
  p.entry({ name: 'Dockerfile' }, 'FROM busybox\n');
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p as unknown as AsyncIterable<Buffer>) chunks.push(c);
  const tar = Buffer.concat(chunks);
  assert.equal(isPlainTar(tar), true);
  assert.equal(isPlainTar(gzipSync(tar)), false);
  assert.equal(isPlainTar(Buffer.alloc(0)), false);
});
