// Child process for the crash test: opens the store given as argv[2], starts an ingest from a
// source that never ends, prints "written <pid>" once bytes have reached the temp file, and
// keeps going until the parent kills it with SIGKILL. With argv[3] = "lease", it first writes a
// blob under a lease of its own (no expiry, released never: the process dies first).
import { openContentStore } from "../store.js";

const root = process.argv[2];
if (!root) throw new Error("usage: slow-ingest-child <store root>");

async function* slow(): AsyncGenerator<Uint8Array> {
  for (let i = 0; ; i++) {
    yield Buffer.alloc(64 * 1024, i % 256);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const store = await openContentStore(root);
const lease = process.argv[3] === "lease" ? await store.leases.create({ labels: { from: "child" } }) : undefined;
if (lease) await store.writeBlob("held by the child", { lease: lease.id });
let announced = false;
await store.ingest(slow(), {
  labels: { from: "child" },
  onProgress: (written) => {
    if (!announced && written > 0) {
      announced = true;
      process.stdout.write(`written ${process.pid}\n`);
    }
  },
});
