import { expect } from "vitest";
import { indexJson, rootDescriptor, type AttrCase, type OciArtifact } from "@exp/testing";
import { imageCommitRows } from "@exp/testing/vitest";

type Row = AttrCase<OciArtifact>;

/** type=oci's rows: the shared image-commit rows, and the two keys only this exporter has. */
export const ociRows: readonly Row[] = [
  {
    key: "name",
    with: { name: "example.invalid/walk:v1" },
    // exporter/oci/export.go: the name goes on index.json's descriptor, as containerd's image name and the OCI ref name (the tag).
    expect: "index.json's descriptor named io.containerd.image.name / org.opencontainers.image.ref.name",
    differs: (without, withIt) => {
      expect(rootDescriptor(without).annotations?.["org.opencontainers.image.ref.name"]).toBeUndefined();
      expect(rootDescriptor(withIt).annotations).toMatchObject({ "io.containerd.image.name": "example.invalid/walk:v1", "org.opencontainers.image.ref.name": "v1" });
      expect(rootDescriptor(withIt).digest).toBe(rootDescriptor(without).digest);
    },
  },
  ...imageCommitRows,
  {
    key: "tar",
    with: { tar: "false" },
    expect: "an OCI layout directory holding exactly the archive's files",
    differs: (without, withIt) => {
      expect([without.kind, withIt.kind]).toEqual(["tar", "dir"]);
      expect([...withIt.files.keys()].sort()).toEqual([...without.files.keys()].sort());
      for (const [path, bytes] of without.files) expect(withIt.files.get(path)?.equals(bytes), path).toBe(true);
      expect(indexJson(withIt)).toEqual(indexJson(without));
    },
  },
];
