import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pruneOtherImages } from '../../../simulator/board/imageBuild.js';

function image(root: string, hash: string, board: string, builtAt: string): void {
  mkdirSync(join(root, hash), { recursive: true });
  writeFileSync(join(root, hash, 'image.json'), JSON.stringify({ hash, board, kernelRelease: 'k', builtAt, buildSeconds: 1 }));
}

test("a new image keeps the newest other image of its board (another checkout's recipe) and other boards' images", () => {
  const root = mkdtempSync(join(tmpdir(), 'edgepush-prune-'));
  try {
    image(root, 'aaaaaaaaaaaaaaaa', 'x86_64', '2026-12-01T00:00:00.000Z');
    image(root, 'bbbbbbbbbbbbbbbb', 'x86_64', '2026-12-02T00:00:00.000Z');
    image(root, 'cccccccccccccccc', 'x86_64', '2026-12-03T00:00:00.000Z');
    image(root, 'dddddddddddddddd', 'aarch64', '2026-11-01T00:00:00.000Z');
    mkdirSync(join(root, 'eeeeeeeeeeeeeeee')); // unfinished: no manifest
    mkdirSync(join(root, 'debs'));
    pruneOtherImages(root, 'cccccccccccccccc', 'x86_64');
    assert.deepEqual(readdirSync(root).sort(), ['bbbbbbbbbbbbbbbb', 'cccccccccccccccc', 'dddddddddddddddd', 'debs']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
