// The device agent's last line of defence: an error that escaped every handler (a bug, or a library throwing
// from an event callback) is logged in the device log and on stderr, and the agent keeps serving. Every
// request path answers its own errors (http.ts `guarded`); this only catches what nothing else could.
import { messageOf } from '../shared/errors.js';
export function installLastResortGuard(log: (line: string) => void): () => void {
  let reported = 0;
  const onError = (err: unknown, what: string) => {
    const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.stderr.write(`edgepush device: ${what} (the device keeps running): ${text}\n`);
    // A storm of the same failure must not flood the log: the first hundred are enough to act on.
    if (++reported <= 100) log(`Internal error (${what}, the device keeps running): ${messageOf(err)}`);
  };
  const onException = (err: unknown) => onError(err, 'uncaught exception');
  const onRejection = (err: unknown) => onError(err, 'unhandled rejection');
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
