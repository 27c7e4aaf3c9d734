/**
 * The code each deflate worker runs, as text for `new Worker(source, { eval: true })`: a file
 * beside the module would have to be found from src/ under tsx and from dist/ in ESM and CJS, and
 * a function's text would carry the bundler's rewrites of `require`. The options match
 * inProcessDeflater's exactly (the pool sends the output buffer's size, outputBound's), so where a
 * block is deflated never changes its bytes.
 *
 * A message in: { id, input, dictionary?, level, final, chunkSize }. Out: { id, output } or { id, error }.
 * The output's memory goes back transferred, copied first when zlib's result shares its
 * ArrayBuffer (Node's buffer pool may not be transferred).
 */
export const workerSource = `
"use strict";
const { parentPort } = require("node:worker_threads");
const { deflateRawSync, constants } = require("node:zlib");
parentPort.on("message", (job) => {
  let output;
  try {
    const options = { level: job.level, chunkSize: job.chunkSize, finishFlush: job.final ? constants.Z_FINISH : constants.Z_SYNC_FLUSH };
    if (job.dictionary) options.dictionary = job.dictionary;
    output = deflateRawSync(job.input, options);
  } catch (error) {
    parentPort.postMessage({ id: job.id, error: String(error && error.message || error) });
    return;
  }
  const own = output.byteOffset === 0 && output.byteLength === output.buffer.byteLength ? output : new Uint8Array(output);
  parentPort.postMessage({ id: job.id, output: own }, [own.buffer]);
});
`;
