// A worker thread that cuts font slices (font-slices.ts hands out one at a time, so every core is busy until the last
// one). Plain JavaScript: it needs only subset-font, no TypeScript loader.
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parentPort, threadId, workerData } from 'node:worker_threads';
import subsetFont from 'subset-font';

const font = Buffer.from(workerData.font);
parentPort.on('message', async (task) => {
  if (task === null) return parentPort.close();
  try {
    const woff2 = await subsetFont(font, task.text, { targetFormat: 'woff2' });
    // Written beside and renamed: a parallel build (another clone, a test run) sees a slice whole or not at all.
    const partial = join(workerData.dir, `${task.file}.tmp-${process.pid}-${threadId}`);
    await writeFile(partial, woff2);
    await rename(partial, join(workerData.dir, task.file));
    parentPort.postMessage({ file: task.file, bytes: woff2.length });
  } catch (error) {
    parentPort.postMessage({ file: task.file, error: String(error?.stack ?? error) });
  }
});
parentPort.postMessage({ ready: true });
