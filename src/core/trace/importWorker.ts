// Worker-thread entry: imports one byte range of a text trace (starting at a line start, never
// the file's first: the calling thread reads that one) and posts the part, transferring its columns.

import { parentPort, workerData } from 'node:worker_threads';
import { fileChunks, TextTraceImporter } from './textImporter';
import { serializePart } from './mergeParts';
import { NotATraceError } from './sniff';

export interface ImportRange {
  path: string;
  start: number;
  end: number; // exclusive
}

async function run(range: ImportRange): Promise<void> {
  const importer = new TextTraceImporter({ continuation: true, expectedBytes: range.end - range.start });
  let read = 0;
  let lastPost = 0;
  for await (const chunk of fileChunks(range.path, range.start, range.end)) {
    importer.push(chunk);
    read += chunk.length;
    const now = Date.now();
    if (now - lastPost > 50) {
      lastPost = now;
      parentPort?.postMessage({ type: 'progress', read });
    }
  }
  const { data, transfer } = serializePart(importer.finishPart());
  parentPort?.postMessage({ type: 'done', part: data, read }, transfer);
}

run(workerData as ImportRange).catch((err) => {
  parentPort?.postMessage({ type: 'error', notATrace: err instanceof NotATraceError ? err.reason : undefined, message: (err as Error)?.message ?? String(err) });
});
