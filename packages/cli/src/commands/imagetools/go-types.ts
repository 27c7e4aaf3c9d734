/**
 * The Go types buildx decodes registry documents into and prints back (image-spec's specs-go/v1,
 * buildx's util/imagetools), described as data. buildx round-trips every document through
 * encoding/json: a new index is json.MarshalIndent of an ocispecs.Index, `--format '{{json .Image}}'`
 * prints an ocispecs.Image. Field order, omitempty and which fields exist decide the bytes (and so
 * the digest of the index `create` pushes), so they are written down here as Go declares them.
 */
export type GoType =
  | { readonly kind: "string" }
  | { readonly kind: "int" }
  | { readonly kind: "bool" }
  /** time.Time (always behind a pointer in these types): RFC 3339 text, as Go re-prints it. */
  | { readonly kind: "time" }
  /** []byte: base64 text in JSON. */
  | { readonly kind: "bytes" }
  /** interface{} filled by json.Unmarshal: any JSON value; objects become map[string]interface{}. */
  | { readonly kind: "any" }
  /** interface{} holding a value of a known Go type (buildx's `Manifest any` in its template input). */
  | { readonly kind: "iface" }
  | { readonly kind: "ptr"; readonly elem: GoType }
  | { readonly kind: "slice"; readonly elem: GoType }
  /** map[string]T. */
  | { readonly kind: "map"; readonly elem: GoType }
  | { readonly kind: "struct"; readonly name: string; readonly fields: readonly GoField[] };

export interface GoField {
  /** The Go field name, which templates use (`.Manifest.Digest`). */
  readonly name: string;
  /** The JSON key. */
  readonly json: string;
  readonly omitempty?: boolean;
  readonly type: GoType;
  /**
   * A method, not a field (buildx's `SBOM()` and `Provenance()` on its template input): reachable
   * from a template, never marshalled. Its value is a thunk returning a typed value.
   */
  readonly method?: boolean;
}

/** A Go value with its type: what a template walks and what `json` marshals. */
export interface TypedValue {
  readonly type: GoType;
  readonly value: unknown;
}

export const goString: GoType = { kind: "string" };
export const goInt: GoType = { kind: "int" };
export const goBool: GoType = { kind: "bool" };
export const goAny: GoType = { kind: "any" };
export const goIface: GoType = { kind: "iface" };
export const ptrTo = (elem: GoType): GoType => ({ kind: "ptr", elem });
export const sliceOf = (elem: GoType): GoType => ({ kind: "slice", elem });
export const mapOf = (elem: GoType): GoType => ({ kind: "map", elem });
const emptyStruct: GoType = { kind: "struct", name: "struct {}", fields: [] };
const stringSlice = sliceOf(goString);
const field = (name: string, json: string, type: GoType, omitempty = false): GoField => ({ name, json, type, ...(omitempty ? { omitempty } : {}) });

// specs-go/v1 descriptor.go
const platformFields: readonly GoField[] = [
  field("Architecture", "architecture", goString),
  field("OS", "os", goString),
  field("OSVersion", "os.version", goString, true),
  field("OSFeatures", "os.features", stringSlice, true),
  field("Variant", "variant", goString, true),
];
export const platformType: GoType = { kind: "struct", name: "v1.Platform", fields: platformFields };

export const descriptorType: GoType = {
  kind: "struct",
  name: "v1.Descriptor",
  fields: [
    field("MediaType", "mediaType", goString),
    field("Digest", "digest", goString),
    field("Size", "size", goInt),
    field("URLs", "urls", stringSlice, true),
    field("Annotations", "annotations", mapOf(goString), true),
    field("Data", "data", { kind: "bytes" }, true),
    field("Platform", "platform", ptrTo(platformType), true),
    field("ArtifactType", "artifactType", goString, true),
  ],
};

// specs-go/v1 index.go (specs.Versioned embedded first).
export const indexType: GoType = {
  kind: "struct",
  name: "v1.Index",
  fields: [
    field("SchemaVersion", "schemaVersion", goInt),
    field("MediaType", "mediaType", goString, true),
    field("ArtifactType", "artifactType", goString, true),
    field("Manifests", "manifests", sliceOf(descriptorType)),
    field("Subject", "subject", ptrTo(descriptorType), true),
    field("Annotations", "annotations", mapOf(goString), true),
  ],
};

/** What buildx's printer hands a template as `.Manifest` for an index (printers.go: an anonymous struct). */
export const inspectedIndexType: GoType = {
  kind: "struct",
  name: "struct",
  fields: [
    field("SchemaVersion", "schemaVersion", goInt),
    field("MediaType", "mediaType", goString, true),
    field("Digest", "digest", goString),
    field("Size", "size", goInt),
    field("Manifests", "manifests", sliceOf(descriptorType)),
    field("Annotations", "annotations", mapOf(goString), true),
  ],
};

// specs-go/v1 config.go
const imageConfigType: GoType = {
  kind: "struct",
  name: "v1.ImageConfig",
  fields: [
    field("User", "User", goString, true),
    field("ExposedPorts", "ExposedPorts", mapOf(emptyStruct), true),
    field("Env", "Env", stringSlice, true),
    field("Entrypoint", "Entrypoint", stringSlice, true),
    field("Cmd", "Cmd", stringSlice, true),
    field("Volumes", "Volumes", mapOf(emptyStruct), true),
    field("WorkingDir", "WorkingDir", goString, true),
    field("Labels", "Labels", mapOf(goString), true),
    field("StopSignal", "StopSignal", goString, true),
    field("ArgsEscaped", "ArgsEscaped", goBool, true),
  ],
};
const time: GoType = ptrTo({ kind: "time" });
const historyType: GoType = {
  kind: "struct",
  name: "v1.History",
  fields: [
    field("Created", "created", time, true),
    field("CreatedBy", "created_by", goString, true),
    field("Author", "author", goString, true),
    field("Comment", "comment", goString, true),
    field("EmptyLayer", "empty_layer", goBool, true),
  ],
};

/**
 * An image config as buildx reads it: keys image-spec does not declare (Healthcheck, OnBuild,
 * Shell, BuildKit's inline cache) are dropped, as json.Unmarshal drops them. Platform is embedded
 * in Go, so its fields sit inline, in its place.
 */
export const imageType: GoType = {
  kind: "struct",
  name: "v1.Image",
  fields: [
    field("Created", "created", time, true),
    field("Author", "author", goString, true),
    ...platformFields,
    // omitempty never omits a struct in encoding/json: `"config": {}` is always printed.
    field("Config", "config", imageConfigType, true),
    field("RootFS", "rootfs", {
      kind: "struct",
      name: "v1.RootFS",
      fields: [field("Type", "type", goString), field("DiffIDs", "diff_ids", stringSlice)],
    }),
    field("History", "history", sliceOf(historyType), true),
  ],
};

// buildx util/imagetools/loader.go: `json:",omitempty"` keeps the Go name as the key.
export const provenanceStubType: GoType = { kind: "struct", name: "imagetools.provenanceStub", fields: [field("SLSA", "SLSA", goAny, true)] };
export const sbomStubType: GoType = {
  kind: "struct",
  name: "imagetools.sbomStub",
  fields: [field("SPDX", "SPDX", goAny, true), field("AdditionalSPDXs", "AdditionalSPDXs", sliceOf(goAny), true)],
};

/** buildx's tplInput (one platform) and tplInputs (several): the value a `--format` template runs on. */
export function templateInputType(multiPlatform: boolean): GoType {
  const method = (name: string, type: GoType): GoField => ({ name, json: "", type, method: true });
  return {
    kind: "struct",
    name: multiPlatform ? "imagetools.tplInputs" : "imagetools.tplInput",
    fields: [
      field("Name", "name", goString, true),
      field("Manifest", "manifest", goIface, true),
      field("Image", "image", multiPlatform ? mapOf(ptrTo(imageType)) : ptrTo(imageType), true),
      method("SBOM", multiPlatform ? mapOf(sbomStubType) : sbomStubType),
      method("Provenance", multiPlatform ? mapOf(provenanceStubType) : provenanceStubType),
    ],
  };
}
