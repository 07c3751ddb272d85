// The agent reaches the board on a small second disk made at every start (`mke2fs -d`, no loop mount): the
// device agent in one file (`dist/agent.js`, copied as cli.js, which runs `edgepush device` inside the guest), its
// loader (agentLoader.ts) and a few settings read by the init script. A new agent build therefore never forces an image rebuild. The disk is
// writable only so that the agent can leave its code cache there (codeCache.ts).
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { runTool } from './run.js';
import { agentLoaderSource } from './agentLoader.js';
import { guestCacheName } from './codeCache.js';
import { invalidInput, notFound } from '../shared/errors.js';

export interface AgentDiskOptions {
  /** Path of the bundled CLI to run inside the board. */
  bundle: string;
  /** Device name, shown by the supervisor API and used as the guest's hostname. */
  name: string;
  /** Also expose the guest's dockerd directly on tcp 2375 (only when no agent serves the engine port). */
  engineTcp: boolean;
  /** A V8 code cache for this bundle and image (codeCache.ts), if one was kept. */
  codeCache?: string;
  /** balena device type the agent reports (the init sources board.env: exported, `edgepush device` reads it). */
  deviceType?: string;
}

const safeName = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** Where the agent bundle (dist/agent.js: the device agent in one file) is: explicit path, EDGEPUSH_AGENT_BUNDLE,
 *  next to the running CLI or this bundle, or ./dist/agent.js. */
export function findAgentBundle(explicit?: string, env = process.env): string {
  const script = process.argv[1];
  const candidates = [
    explicit,
    env.EDGEPUSH_AGENT_BUNDLE,
    script && /\.js$/.test(script) ? join(dirname(script), 'agent.js') : undefined,
    typeof __dirname === 'string' ? join(__dirname, 'agent.js') : undefined,
    resolve('dist', 'agent.js'),
  ];
  for (const c of candidates) if (c && existsSync(c)) return resolve(c);
  throw notFound('the EdgePush agent bundle (dist/agent.js) was not found: run `npm run build` or set EDGEPUSH_AGENT_BUNDLE');
}

export function boardEnv(opts: Pick<AgentDiskOptions, 'name' | 'engineTcp' | 'deviceType'>): string {
  if (!safeName.test(opts.name)) throw invalidInput(`board name '${opts.name}' may only hold letters, digits, '.', '_' and '-'`);
  if (opts.deviceType !== undefined && !safeName.test(opts.deviceType))
    throw invalidInput(`device type '${opts.deviceType}' may only hold letters, digits, '.', '_' and '-'`);
  const type = opts.deviceType ? `export EDGEPUSH_DEVICE_TYPE=${opts.deviceType}\n` : '';
  return `NAME=${opts.name}\nENGINE_TCP=${opts.engineTcp ? 1 : 0}\n${type}`;
}

export async function makeAgentDisk(image: string, workDir: string, opts: AgentDiskOptions): Promise<void> {
  const env = boardEnv(opts);
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  copyFileSync(opts.bundle, join(workDir, 'cli.js'));
  writeFileSync(join(workDir, 'board.env'), env);
  writeFileSync(join(workDir, 'boot.js'), agentLoaderSource);
  if (opts.codeCache && existsSync(opts.codeCache)) copyFileSync(opts.codeCache, join(workDir, guestCacheName));
  mkdirSync(dirname(image), { recursive: true });
  rmSync(image, { force: true });
  await runTool('mke2fs', ['-q', '-F', '-t', 'ext4', '-L', 'edgeagent', '-d', workDir, image, '64M'], { timeoutMs: 60_000 });
}
