import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_RELOADS, ViewLoads } from '../../../extension/webviews/viewLoads.js';

test('a page whose script failed to load is loaded again at once; an older page is not', () => {
  const v = new ViewLoads();
  const first = v.startLoad();
  assert.equal(v.isReady, false);
  assert.equal(v.onLoadFailed(first), true, 'the current page failed: load it again');
  const second = v.startLoad();
  assert.notEqual(second, first);
  assert.equal(v.onLoadFailed(first), false, 'a late report from the replaced page');
  v.onReady();
  assert.equal(v.isReady, true);
});

test('reloads after failures are bounded, and the budget comes back once a page says ready', () => {
  const v = new ViewLoads();
  let load = v.startLoad();
  for (let i = 0; i < MAX_RELOADS; i++) {
    assert.equal(v.onLoadFailed(load), true);
    load = v.startLoad();
  }
  assert.equal(v.onLoadFailed(load), false, 'gives up after MAX_RELOADS');
  v.onReady();
  v.onHidden();
  load = v.startLoad();
  assert.equal(v.onLoadFailed(load), true);
});

test('a silent page is loaded again only while visible and not ready', () => {
  const v = new ViewLoads();
  v.startLoad();
  assert.equal(v.onSilent(false), false, 'hidden: it loads when shown');
  assert.equal(v.onSilent(true), true);
  v.startLoad();
  v.onReady();
  assert.equal(v.onSilent(true), false);
  v.onHidden();
  assert.equal(v.isReady, false, 'a hidden webview is unloaded; nothing is sent until it says ready again');
});
