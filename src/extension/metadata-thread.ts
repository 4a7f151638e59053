// The gallery's reading thread (bundled as dist/metadata-thread.js): reads the parameters of the
// files it is sent, one at a time, and answers each batch. No VS Code here.
import { parentPort } from 'node:worker_threads';
import { readFileParameters } from '../image/read-metadata';
import type { ReadReply, ReadRequest } from './metadata-worker';

parentPort?.on('message', async ({ requestId, files }: ReadRequest) => {
  const results: ReadReply['results'] = [];
  // Gallery files: a symbolic link (swapped in after the listing) is not read through.
  for (const file of files) results.push(await readFileParameters(file, { followLinks: false }).then((r) => r.parameters, () => null));
  parentPort?.postMessage({ requestId, results } satisfies ReadReply);
});
