// Child process for the power-cut test: commits generation after generation to a content store and points
// the ref `current` at each, printing "committed N" after each. The parent kills it with SIGKILL at random.
import { ContentStore } from '../../../simulator/engine/contentStore.js';
import { generation } from './storeGenerations.js';

async function main(): Promise<void> {
  const [root, startArg] = process.argv.slice(2);
  const store = await ContentStore.open(root!);
  for (let i = Number(startArg); ; i++) {
    const data = generation(i);
    const w = await store.writer(`gen-${i}`);
    if (w.offset > 0) {
      await w.abort();
      i--;
      continue;
    }
    for (let at = 0; at < data.length; at += 65_536) await w.write(data.subarray(at, at + 65_536));
    const info = await w.commit(data.length, `sha256:${(await import('node:crypto')).createHash('sha256').update(data).digest('hex')}`);
    await store.setRef('current', info.digest);
    process.stdout.write(`committed ${i}\n`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
