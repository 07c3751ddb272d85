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
  assert.equal(v.onSilent(false), 'wait', 'hidden: it loads when shown');
  assert.equal(v.onSilent(true), 'reload');
  v.startLoad();
  v.onReady();
  assert.equal(v.onSilent(true), 'wait');
  v.onHidden();
  assert.equal(v.isReady, false, 'a hidden webview is unloaded; nothing is sent until it says ready again');
});

test('a page still silent after its reload has its panel replaced, once; a page that says ready starts over', () => {
  const v = new ViewLoads();
  v.startLoad();
  assert.equal(v.onSilent(true), 'reload');
  v.startLoad();
  assert.equal(v.onSilent(true), 'replace', 'the webview itself is stuck: a new panel');
  assert.equal(v.onSilent(true), 'wait', 'its owner has been told');
  const w = new ViewLoads();
  w.startLoad();
  assert.equal(w.onSilent(true), 'reload');
  w.startLoad();
  w.onReady();
  w.onHidden();
  w.startLoad();
  assert.equal(w.onSilent(true), 'reload', 'ready in between: a silence later is a first one again');
});
