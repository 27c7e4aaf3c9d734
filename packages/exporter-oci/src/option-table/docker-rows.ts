import { expect } from "vitest";
import { rootDescriptor, type AttrCase, type AttrExemptions, type OciArtifact } from "@exp/testing";
import { imageCommitRows } from "@exp/testing/vitest";

type Row = AttrCase<OciArtifact>;

const manifestJson = (a: OciArtifact) => JSON.parse(a.files.get("manifest.json")!.toString("utf8")) as Array<{ RepoTags: string[]; Config: string; Layers: string[] }>;

/** Rows that need a multi-platform build, which a docker archive cannot hold. */
const multiPlatform = new Set(imageCommitRows.filter((row) => row.variant === "multi-platform").map((row) => row.key));

/**
 * type=docker's exemptions: the index annotations (BuildKit's exporter/oci/export.go refuses a
 * multi-platform docker export, "docker exporter does not currently support exporting manifest
 * lists", and on a single-platform image an index annotation is ERR_ANNOTATION_MISFIT, as
 * writer.go refuses it), and `tar`, whose only other value is refused.
 */
export const dockerExempt: AttrExemptions = {
  dest: "required by every export: where the archive goes is what the conformance suite checks, not a difference in it",
  tar: "tar=false is refused for type=docker (ERR_INVALID_OPTION, oci-exporter.test.ts): a docker archive is a tarball; type=oci,tar=false writes the layout",
  ...Object.fromEntries([...multiPlatform].map((key) => [key, "needs an index, which a docker archive cannot hold: BuildKit refuses a multi-platform docker export (exporter/oci/export.go) and a single-platform index annotation (writer.go); annotation-fit.test.ts"])),
};

/** type=docker's rows: the shared image-commit rows but the index ones, and the name in manifest.json. */
export const dockerRows: readonly Row[] = [
  {
    key: "name",
    with: { name: "example.invalid/walk:v1" },
    // exporter/oci/export.go (VariantDocker): containerd's archive writer adds manifest.json, whose
    // RepoTags are the names; index.json's descriptor is named as in an oci archive.
    expect: "manifest.json's RepoTags holds the name; index.json's descriptor is named too",
    differs: (without, withIt) => {
      expect(manifestJson(without)[0]!.RepoTags).toEqual([]);
      expect(manifestJson(withIt)[0]!.RepoTags).toEqual(["example.invalid/walk:v1"]);
      expect(rootDescriptor(withIt).annotations).toMatchObject({ "io.containerd.image.name": "example.invalid/walk:v1", "org.opencontainers.image.ref.name": "v1" });
      expect(rootDescriptor(withIt).digest).toBe(rootDescriptor(without).digest);
    },
  },
  ...imageCommitRows.filter((row) => !multiPlatform.has(row.key)),
];
