// The browser bundle for both EdgePush webviews; `data-view` on <body> says which one this page is.
// It waits for nothing: it says `ready`, and the host answers with the first state.
import { adoptStyles } from './dom.js';
import { dashboardCss } from './dashboard/dashboardStyles.js';
import { renderDashboard } from './dashboard/dashboardView.js';
import { rolloutCss } from './dashboard/rolloutView.js';
import { HostChannel } from './hostChannel.js';
import { logCss } from './logs/logStyles.js';
import { LogView } from './logs/logView.js';
import type { RolloutView, DashboardState, NotificationBody } from './protocol.js';
import { ViewKindSchema } from './protocol.js';

const root = document.getElementById('root');
const view = ViewKindSchema.safeParse(document.body.dataset.view);

if (root && view.success && view.data === 'logs') {
  adoptStyles(logCss);
  const pending: NotificationBody[] = [];
  let logView: LogView | undefined = undefined;
  const host = new HostChannel('logs', (body) => (logView ? logView.onNotify(body) : pending.push(body)));
  logView = new LogView(root, host);
  for (const body of pending) logView.onNotify(body);
} else if (root && view.success) {
  adoptStyles(dashboardCss);
  adoptStyles(rolloutCss);
  let last: DashboardState | undefined;
  let rollout: RolloutView | undefined;
  const render = () => last && renderDashboard(root, last, host, rollout);
  const host: HostChannel = new HostChannel('dashboard', (body) => {
    if (body.type === 'dashboard/state') last = body.state;
    else if (body.type === 'dashboard/rollout') rollout = body.rollout;
    else return;
    render();
  });
  // Keep the elapsed time of a running push or rollout moving between state updates.
  setInterval(() => {
    if (last?.current?.status === 'running' || rollout?.status === 'running') render();
  }, 1000);
}
