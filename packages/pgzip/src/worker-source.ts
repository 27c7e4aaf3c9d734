/**
 * The code each deflate worker runs, as text for `new Worker(source, { eval: true })`: a file
 * beside the module would have to be found from src/ under tsx and from dist/ in ESM and CJS, and
 * a function's text would carry the bundler's rewrites of `require`. The options match
 * inProcessDeflater's exactly (the pool sends the output buffer's size, outputChunkBytes'), so
 * where a block is deflated never changes its bytes.
 *
 * A message in: { id, input, dictionary?, level, final, chunkSize }. Out: { id, output, input,
 * dictionary? } or { id, error }. Everything goes back transferred: the output and the input and
 * dictionary, which the stream fills again for a later block instead of allocating one.
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
  // zlib's output is a view into the output buffer it allocated for this call: send that whole
  // buffer, so nothing is left here for this thread's collector, which runs seldom (a worker makes
  // few objects) and let ~34 MiB of such buffers pile up per worker. A view into Node's small-buffer
  // pool, which may not be transferred, is copied.
  const own = output.buffer.byteLength > Buffer.poolSize ? output : new Uint8Array(output);
  const transfer = [own.buffer, job.input.buffer];
  if (job.dictionary) transfer.push(job.dictionary.buffer);
  parentPort.postMessage({ id: job.id, output: own, input: job.input, dictionary: job.dictionary }, transfer);
});
`;
