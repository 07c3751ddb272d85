// The build's layering plan (scripts/layeredBundles.mjs): what a layered bundle takes from its bases, on small
// made-up module graphs.
import assert from 'node:assert/strict';
import { test } from 'node:test';

interface Graph {
  entry: string;
  held: Set<string>;
  imports: Map<string, string[]>;
}
type Plan = Map<string, Map<string, Set<string>>>;
interface Layering {
  planLayers(
    bundles: { name: string; layeredOn?: string[] }[],
    graphs: Map<string, Graph>,
    held?: Map<string, Set<string>>,
    keepOwn?: RegExp[],
  ): Plan;
}

const load = async () => (await import('../../../scripts/layeredBundles.mjs' as string)) as Layering;

function graph(entry: string, imports: Record<string, string[]>): Graph {
  const all = new Set([entry, ...Object.keys(imports), ...Object.values(imports).flat()]);
  return { entry, held: all, imports: new Map(Object.entries(imports)) };
}

const asLists = (plan: Plan) =>
  Object.fromEntries([...plan].map(([name, bases]) => [name, Object.fromEntries([...bases].map(([b, ks]) => [b, [...ks].sort()]))]));

test('a layered bundle takes the base modules its own modules import, and nothing below them', async () => {
  const { planLayers } = await load();
  const agent = graph('agent', { agent: ['device', 'docker'], device: ['docker', 'zod'], docker: ['modem'] });
  const heavy = graph('heavy', { heavy: ['push', 'device'], push: ['docker', 'yaml', 'zod'], docker: ['modem'], device: ['docker'] });
  const plan = planLayers(
    [{ name: 'agent' }, { name: 'heavy', layeredOn: ['agent'] }],
    new Map([
      ['agent', agent],
      ['heavy', heavy],
    ]),
  );
  assert.deepEqual(asLists(plan), { heavy: { agent: ['device', 'docker', 'zod'] } });
});

test('modules kept per bundle are never taken from a base; with two bases the first that holds a module gives it', async () => {
  const { planLayers } = await load();
  const agent = graph('agent', { agent: ['engine', 'zod'] });
  const heavy = graph('heavy', { heavy: ['push'], push: ['engine', 'zod'] });
  const work = graph('work', { work: ['push', 'engine', 'protocol'], protocol: ['zod'] });
  const plan = planLayers(
    [{ name: 'work', layeredOn: ['agent', 'heavy'] }, { name: 'agent' }, { name: 'heavy', layeredOn: ['agent'] }],
    new Map([
      ['agent', agent],
      ['heavy', heavy],
      ['work', work],
    ]),
    undefined,
    [/^zod$/],
  );
  assert.deepEqual(asLists(plan), { heavy: { agent: ['engine'] }, work: { agent: ['engine'], heavy: ['push'] } });
});
