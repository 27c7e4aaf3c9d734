import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openContentStore } from "@exp/content";
import { runExport } from "@exp/coordinator";
import { buildImage } from "@exp/dockerfile";
import { imageExporter, registryExporter } from "./image-exporter.js";
import { PushByDigestError } from "./push-by-digest-error.js";

// util/push/push.go: "can't push tagged ref <ref> by digest" for any pushed name that is not a bare
// repository; with a dangling-name-prefix, the dangling name <prefix>@<digest> is always pushed
// unless dangling-name-empty-only=true and the image has another name (exporter/containerimage/export.go).
const prefix = "registry.example/dangling";

describe("push-by-digest with a dangling-name-prefix", () => {
  it("is refused when the dangling name would be pushed, naming it", () => {
    for (const [exporter, attrs] of [
      [registryExporter, { "push-by-digest": "true", "dangling-name-prefix": prefix }],
      [registryExporter, { name: "registry.example/app", "push-by-digest": "true", "dangling-name-prefix": prefix }],
      [imageExporter, { push: "true", "push-by-digest": "true", "dangling-name-prefix": prefix, "dangling-name-empty-only": "true" }],
    ] as const) {
      expect(() => exporter.resolve(attrs)).toThrow(PushByDigestError);
      expect(() => exporter.resolve(attrs)).toThrow(expect.objectContaining({ code: "ERR_PUSH_BY_DIGEST_TAGGED", ref: `${prefix}@<digest>`, message: expect.stringContaining(`can't push tagged ref ${prefix}@<digest> by digest`) }));
    }
  });

  it("is allowed when nothing is pushed, or the dangling name is not used", () => {
    expect(() => imageExporter.resolve({ "push-by-digest": "true", "dangling-name-prefix": prefix })).not.toThrow();
    expect(() => registryExporter.resolve({ name: "registry.example/app", "push-by-digest": "true", "dangling-name-prefix": prefix, "dangling-name-empty-only": "true" })).not.toThrow();
    expect(() => registryExporter.resolve({ "dangling-name-prefix": prefix })).not.toThrow();
  });

  describe("name=* from a front end that names nothing", () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "exp-push-by-digest-"));
      await mkdir(join(dir, "context"), { recursive: true });
      await writeFile(join(dir, "context", "a.txt"), "a\n");
      await writeFile(join(dir, "context", "Dockerfile"), "FROM scratch\nCOPY a.txt /\n");
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it("fails the export with the dangling name before anything is stored or pushed", async () => {
      const store = await openContentStore(join(dir, "store"));
      const built = await buildImage({ context: join(dir, "context"), store });
      const exporter = registryExporter.resolve({ name: "*", "push-by-digest": "true", "dangling-name-prefix": prefix, "dangling-name-empty-only": "true", store: "true" });
      try {
        const failure = await runExport({ source: built.source, exporters: [exporter], store }).then(() => undefined, (error: unknown) => error);
        expect(failure).toMatchObject({ code: "ERR_PUSH_BY_DIGEST_TAGGED", message: expect.stringMatching(new RegExp(`can't push tagged ref ${prefix}@sha256:[0-9a-f]{64} by digest`)) });
        expect((await store.roots.list()).filter((r) => r.name.startsWith("image/"))).toEqual([]);
      } finally {
        await store.leases.release(built.lease);
      }
    });
  });
});
