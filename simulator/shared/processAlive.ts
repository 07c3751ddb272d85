/** Whether a process with this pid exists (one we may not signal counts: it is there). A pid can be reused, so
 *  callers that must know it is still *their* process check more (a start time, a command line). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
