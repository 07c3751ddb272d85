// Layered bundles: a bundle takes the modules it has in common with other bundles (its bases) from them at run
// time, instead of holding a copy of its own. dist/cliHeavy.js takes the Docker client, the schemas and the engine
// code from dist/agent.js; dist/extensionWork.js takes what it needs from both; dist/extensionCommands.js takes the
// extension's own modules from dist/extension.js. Each module then exists once per process (one DeviceStore class,
// one access provider), and the package holds each module once.
//
// How: every bundle is first built on its own (in memory) to learn which modules it holds and what imports what.
// A layered bundle's own modules are those its entry reaches without going through a module a base holds; the
// base modules they import (the frontier) become, in the layered bundle, `require('./base.js').sharedModule(key)`.
// A base's entry exports `sharedModule(key)`, a switch of `require()`s of exactly the modules its layers ask for,
// so a base keeps its own modules and evaluates a shared one only when a layer first asks for it.
// A module a base shares keeps all its exports (a layer may use one the base does not). For a lean base (the device
// agent, which every simulated device runs) that must not mean more code: after a build, a shared module that
// reaches code the base did not hold on its own is copied into the layers instead, and the build is planned again.
// Modules matching `keepOwnCopy` are never shared (zod: its root namespace reaches every locale). The plan is
// checked on the real build: a module held by both a layered bundle and its base makes it plan again too.
import * as esbuild from 'esbuild';
import { relative, resolve, sep } from 'node:path';

const cwd = process.cwd();
const keyOf = (absolute) => relative(cwd, absolute).split(sep).join('/');

/** The bundle's JavaScript output in a metafile. */
function jsOutput(metafile) {
  const found = Object.entries(metafile.outputs).find(([file]) => file.endsWith('.js'));
  if (!found) throw new Error('no JavaScript output in the metafile');
  return found[1];
}

/** Modules with code in the bundle (bytes in its output), and the import graph of everything esbuild read. */
function holdings(metafile) {
  const output = jsOutput(metafile);
  // (the stand-ins for a base's modules and a base's entry are not modules of the bundle)
  const bytes = new Map(
    Object.entries(output.inputs)
      .filter(([k, v]) => v.bytesInOutput > 0 && !/^layer-(shared|entry):/.test(k))
      .map(([k, v]) => [k, v.bytesInOutput]),
  );
  const imports = new Map(Object.entries(metafile.inputs).map(([k, v]) => [k, v.imports.filter((i) => !i.external).map((i) => i.path)]));
  return { entry: output.entryPoint, held: new Set(bytes.keys()), bytes, imports };
}

/**
 * Which modules each layered bundle takes from which base: layered bundle -> base -> module keys, the base modules
 * that the layered bundle's own modules import (the first base in `layeredOn` holding a module provides it). A
 * layered bundle's own modules are those its entry reaches in its standalone graph without going through a base's.
 * `held` (optional): what each bundle holds in a real build, in place of what the standalone graphs say.
 */
export function planLayers(bundles, graphs, held = new Map(), keepOwn = []) {
  const kept = typeof keepOwn === 'function' ? keepOwn : (k) => keepOwn.some((re) => re.test(k));
  const plan = new Map();
  const own = new Map();
  const holds = (name) => held.get(name) ?? own.get(name) ?? graphs.get(name).held;
  for (const b of orderByBases(bundles)) {
    if (!b.layeredOn?.length) continue;
    const graph = graphs.get(b.name);
    const bases = b.layeredOn.map((name) => ({ name, held: holds(name) }));
    const frontier = new Map(bases.map((x) => [x.name, new Set()]));
    const mine = new Set();
    const seen = new Set([graph.entry]);
    const queue = [graph.entry];
    while (queue.length > 0) {
      const key = queue.pop();
      if (graph.held.has(key)) mine.add(key);
      for (const dep of graph.imports.get(key) ?? []) {
        const base = kept(dep) ? undefined : bases.find((x) => x.held.has(dep));
        if (base) frontier.get(base.name).add(dep);
        else if (!seen.has(dep)) {
          seen.add(dep);
          queue.push(dep);
        }
      }
    }
    own.set(b.name, mine);
    plan.set(b.name, frontier);
  }
  return plan;
}

/** Bases before the bundles layered on them. */
function orderByBases(bundles) {
  const byName = new Map(bundles.map((b) => [b.name, b]));
  const done = new Set();
  const out = [];
  const visit = (b, path = []) => {
    if (done.has(b.name)) return;
    if (path.includes(b.name)) throw new Error(`bundles layered in a circle: ${[...path, b.name].join(' -> ')}`);
    for (const base of b.layeredOn ?? []) {
      const dep = byName.get(base);
      if (!dep) throw new Error(`${b.name} is layered on ${base}, which is not a bundle`);
      visit(dep, [...path, b.name]);
    }
    done.add(b.name);
    out.push(b);
  };
  for (const b of bundles) visit(b);
  return out;
}

/** What each base must share: the union, over the bundles layered on it, of the modules they take from it. */
function sharedBy(plan) {
  const shared = new Map();
  for (const frontier of plan.values())
    for (const [base, keys] of frontier) {
      if (!shared.has(base)) shared.set(base, new Set());
      for (const k of keys) shared.get(base).add(k);
    }
  return shared;
}

const fileOf = (b) => `./${b.options.outfile.split('/').pop()}`;

/** The esbuild options of one bundle in the layered build. */
function layeredOptions(b, bundles, plan, shared) {
  const options = { ...b.options, metafile: true, plugins: [...(b.options.plugins ?? [])] };
  const keys = shared.get(b.name);
  if (keys) {
    const entry = resolve(b.options.entryPoints[0]);
    options.entryPoints = [`layer-entry:${b.name}`];
    options.plugins.push(baseEntryPlugin(entry, [...keys].sort()));
  }
  const frontier = plan.get(b.name);
  if (frontier) {
    const files = new Map(b.layeredOn.map((name) => [name, fileOf(bundles.find((x) => x.name === name))]));
    const fromBase = new Map();
    for (const [base, ks] of frontier) for (const k of ks) fromBase.set(k, files.get(base));
    options.plugins.push(takeFromBasesPlugin(fromBase));
  }
  return options;
}

/** A base's entry: its own entry's exports, and `sharedModule(key)` for the modules its layers take. */
function baseEntryPlugin(entry, keys) {
  const cases = keys.map((k) => `    case ${JSON.stringify(k)}: return require(${JSON.stringify(resolve(k))});`).join('\n');
  const contents = `export * from ${JSON.stringify(entry)};
/** A module of this bundle, for the bundles layered on it (scripts/layeredBundles.mjs). */
export function sharedModule(key) {
  switch (key) {
${cases}
  }
  throw new Error('this bundle does not share ' + key);
}
`;
  return {
    name: 'layer-base-entry',
    setup(build) {
      build.onResolve({ filter: /^layer-entry:/ }, (args) => ({ path: args.path, namespace: 'layer-entry' }));
      build.onLoad({ filter: /.*/, namespace: 'layer-entry' }, () => ({ contents, resolveDir: cwd, loader: 'js' }));
    },
  };
}

/** In a layered bundle: imports of its bases' modules become requires of the base bundle (beside it in dist/). */
function takeFromBasesPlugin(fromBase) {
  return {
    name: 'layer-take-from-bases',
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.namespace === 'layer-shared') return { path: args.path, external: true };
        if (args.pluginData?.layered) return undefined;
        const r = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          namespace: args.namespace,
          resolveDir: args.resolveDir,
          pluginData: { layered: true },
        });
        if (r.errors.length > 0 || r.external || r.namespace !== 'file') return undefined;
        const key = keyOf(r.path);
        const base = fromBase.get(key);
        return base ? { path: key, namespace: 'layer-shared', pluginData: { base } } : undefined;
      });
      build.onLoad({ filter: /.*/, namespace: 'layer-shared' }, (args) => ({
        contents: `module.exports = require(${JSON.stringify(args.pluginData.base)}).sharedModule(${JSON.stringify(args.path)});\n`,
        loader: 'js',
      }));
    },
  };
}

/** Modules held by both a layered bundle and one of its bases in a real build (the plan missed them). */
function overlaps(bundles, metafiles, keepOwn) {
  const found = [];
  for (const b of bundles)
    for (const base of b.layeredOn ?? []) {
      const mine = holdings(metafiles.get(b.name)).held;
      for (const k of holdings(metafiles.get(base)).held) if (mine.has(k) && !keepOwn(k)) found.push(`${b.name} and ${base}: ${k}`);
    }
  return found;
}

/**
 * Builds every bundle, the layered ones on their bases. `bundles`: { name, options (esbuild), layeredOn?: names,
 * lean?: true for a base that must hold no more code than on its own }.
 * Returns the metafiles of the real build by bundle name, and the plan (layered bundle -> base -> module keys).
 */
/** Modules a base holds more of in the layered build than on its own (minified names shift a few bytes). */
function grownIn(base, alone, metafile) {
  const before = alone.bytes;
  return [...holdings(metafile).bytes].filter(([k, n]) => n > (before.get(k) ?? 0) + 200).map(([k]) => k);
}

/** The modules of `graph` that `from` reaches (itself included). */
function reach(graph, from) {
  const seen = new Set([from]);
  const queue = [from];
  while (queue.length > 0) for (const dep of graph.imports.get(queue.pop()) ?? []) if (!seen.has(dep) && seen.add(dep)) queue.push(dep);
  return seen;
}

export async function buildLayered(bundles, keepOwnCopy = []) {
  const involved = new Set(bundles.flatMap((b) => (b.layeredOn?.length ? [b.name, ...b.layeredOn] : [])));
  const alone = await Promise.all(
    bundles
      .filter((b) => involved.has(b.name))
      .map(async (b) => {
        const r = await esbuild.build({ ...b.options, write: false, metafile: true, sourcemap: false, logLevel: 'silent' });
        return [b.name, holdings(r.metafile)];
      }),
  );
  const graphs = new Map(alone);
  // Modules each layered bundle keeps a copy of: by pattern, and those whose sharing made a base hold more code.
  const ownCopies = new Set();
  const keepOwn = (k) => ownCopies.has(k) || keepOwnCopy.some((re) => re.test(k));
  let held;
  for (let round = 1; ; round++) {
    const plan = planLayers(bundles, graphs, held, keepOwn);
    const shared = sharedBy(plan);
    const results = await Promise.all(bundles.map((b) => esbuild.build(layeredOptions(b, bundles, plan, shared))));
    const metafiles = new Map(bundles.map((b, i) => [b.name, results[i].metafile]));
    const missed = overlaps(bundles, metafiles, keepOwn);
    // A shared module keeps all its exports: where that brought a lean base (the device agent) more code than it
    // holds on its own, its layers keep their own copy of the shared modules that reach that code.
    let more = 0;
    for (const [base, keys] of shared) {
      if (!bundles.find((b) => b.name === base).lean) continue;
      const grown = new Set(grownIn(base, graphs.get(base), metafiles.get(base)));
      if (grown.size === 0) continue;
      for (const k of keys)
        if (!ownCopies.has(k) && [...reach(graphs.get(base), k)].some((m) => grown.has(m))) {
          ownCopies.add(k);
          more++;
        }
    }
    if (missed.length === 0 && more === 0) return { metafiles, plan };
    if (round === 8) throw new Error(`layered bundles still hold the same modules after ${round} plans:\n${missed.join('\n')}`);
    // Plan again with what each bundle really holds.
    if (missed.length > 0) held = new Map([...metafiles].map(([name, m]) => [name, holdings(m).held]));
  }
}
