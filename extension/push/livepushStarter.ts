// Starts simulator/push's livepush for a pushed project (loaded on first use, so activation stays light). What it
// does shows in the device's log panel; a rebuild (Dockerfile or compose change) shows in the dashboard as a push.
import type { PushReport } from '../../simulator/push/types.js';
import type { DashboardModel } from '../dashboard/dashboardModel.js';
import type { DeviceMonitor } from '../devices/deviceMonitor.js';
import type { LogPanels } from '../logs/logPanels.js';
import { readSettings } from '../settings.js';
import type { LivepushSession, LivepushStarter } from './livepush.js';
import { basename } from 'node:path';
import { loadWorkSoon } from '../workLoader.js';
import { accessFor } from '../devices/deviceAccess.js';

export function makeLivepushStarter(
  model: DashboardModel,
  logs: LogPanels,
  monitor: DeviceMonitor,
  envOf: (device: string) => string[],
): LivepushStarter {
  return async (projectDir: string, device: string, _report: PushReport): Promise<LivepushSession> => {
    const [{ startLivepush }, access] = await Promise.all([loadWorkSoon(), accessFor(device)]);
    const note = (message: string, isStdErr = false) =>
      logs.session(device).addLine({ message: `livepush: ${message}`, isSystem: true, isStdErr });
    let rebuild: number | undefined;
    const handle = await startLivepush({
      projectDir,
      device,
      access,
      env: envOf(device),
      buildOn: readSettings().buildOn,
      onEvent: (e) => {
        switch (e.type) {
          case 'ready':
            note(`watching ${e.services.join(', ')}`);
            break;
          case 'synced':
            note(
              `${e.service}: ${e.copied} copied, ${e.deleted} deleted${e.commands.length ? `, ran ${e.commands.length} step(s)` : ''}${e.restarted ? ', restarted' : ''} in ${e.seconds.toFixed(2)} s`,
            );
            monitor.refresh(device);
            break;
          case 'rebuild':
            note(`rebuilding: ${e.reason}`);
            rebuild = model.begin(device, basename(projectDir));
            break;
          case 'push':
            if (rebuild !== undefined) model.event(rebuild, e.event);
            break;
          case 'rebuilt':
            if (rebuild !== undefined) model.end(rebuild, 'succeeded');
            rebuild = undefined;
            monitor.refresh(device);
            break;
          case 'error':
            note(`${e.service ? `${e.service}: ` : ''}${e.message}`, true);
            if (rebuild !== undefined) model.end(rebuild, 'failed', e.message);
            rebuild = undefined;
            break;
          case 'sync':
          case 'command-output':
            break;
        }
      },
    });
    return { projectDir, device, dispose: () => void handle.dispose() };
  };
}
