// Child process for the cross-process label index test: opens the store given as argv[2] and, as
// writer argv[3], ingests blobs with labels and relabels them (some blobs shared with the other
// writers), then prints "done".
import { openContentStore } from "../store.js";

const [root, name] = process.argv.slice(2);
if (!root || !name) throw new Error("usage: label-writer-child <store root> <writer name>");

const store = await openContentStore(root);
const lease = await store.leases.create({ expiresAt: new Date(Date.now() + 600_000) });
await Promise.all(
  Array.from({ length: 24 }, async (_, i) => {
    // Even i: content every writer ingests too, each adding its own label; odd i: this writer's own.
    const content = i % 2 === 0 ? `shared-${i}` : `${name}-${i}`;
    const { digest } = await store.writeBlob(content, { lease: lease.id, labels: { [`writer.${name}`]: "1", "test/group": `g${i % 3}` } });
    await store.setLabels(digest, { "test/step": `${name}-${i % 4}`, "test/group": `g${(i + 1) % 3}` });
    if (i % 4 === 0) await store.setLabels(digest, { "test/step": null });
  }),
);
process.stdout.write("done\n");
