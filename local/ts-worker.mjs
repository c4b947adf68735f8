// Worker threads start from JavaScript: register tsx's loader in this thread, then load the TypeScript module named
// in workerData.entry (the runtime itself runs from sources under tsx).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
