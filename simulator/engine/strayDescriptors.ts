// File descriptors a terminated worker thread left open. Node closes a terminated worker's FileHandles and the
// raw descriptors it tracks (`trackUnmanagedFds`), except one whose `fs/promises` open was still in flight: that
// handle is never made and its descriptor never closed (Node 20: about one termination in two, in a loop of
// back-to-back opens), so the file's disk space stays used until the process exits. The files an apply writes
// are its own (its temp folder, its output's temp file): once its worker has ended, any descriptor still open
// on one of them is such a stray, owned by no one, and is closed here. Found through /proc/self/fd (Linux, where
// devices run); elsewhere none are found.
import { closeSync } from 'node:fs';
import { readdir, readlink } from 'node:fs/promises';

const FD_DIR = '/proc/self/fd';

/** Closes this process's descriptors on the files `owned` accepts (by real path, also once unlinked); returns
 *  how many. Only for files no live code of this process has open. */
export async function closeStrayDescriptors(owned: (path: string) => boolean): Promise<number> {
  let fds: string[];
  try {
    fds = await readdir(FD_DIR);
  } catch {
    return 0; // no /proc: not Linux
  }
  let closed = 0;
  for (const fd of fds) {
    const target = await readlink(`${FD_DIR}/${fd}`).catch(() => undefined); // closed meanwhile (the readdir's own)
    if (!target || !owned(target.replace(/ \(deleted\)$/, ''))) continue;
    try {
      closeSync(Number(fd));
      closed++;
    } catch {
      // closed meanwhile
    }
  }
  return closed;
}
