import { parseReference } from "@exp/oci-spec";
import type { CliIO } from "../../io.js";
import { manifestRef } from "./fetch-sources.js";
import { FormatWithRawError } from "./imagetools-errors.js";
import type { ImagetoolsInspectOptions } from "./inspect-options.js";
import { printInspect } from "./inspect-printer.js";
import { loadImage } from "./loader.js";
import { imagetoolsRegistryClient } from "./registry-client.js";
import { executeTemplate } from "./template-exec.js";
import { manifestValue, templateInput } from "./template-input.js";
import { parseTemplate, type TemplateNode } from "./template-parse.js";

export type { ImagetoolsInspectOptions };

/**
 * `exp imagetools inspect <name>` (buildx's commands/imagetools/inspect.go and util/imagetools/
 * printers.go): the manifest or index the name resolves to, printed as buildx prints it, as its
 * stored bytes (`--raw`, no newline added: the bytes hash to the digest), or through a template
 * (`--format`), which is parsed before any request. A template that is exactly `{{.Manifest}}`
 * prints the default output, as in buildx; any other is run on buildx's template input, for
 * which the config of every platform is read, and the attestations when it asks for them.
 */
export async function runImagetoolsInspect(io: CliIO, name: string, options: ImagetoolsInspectOptions): Promise<number> {
  if (options.format && options.raw) throw new FormatWithRawError();
  const template = options.format ? parseTemplate(options.format) : undefined;
  const ref = parseReference(name);
  const client = imagetoolsRegistryClient(io, options.insecureRegistry);
  try {
    const root = await client.getManifest(manifestRef(ref), io.signal ? { signal: io.signal } : {});
    if (options.raw) {
      io.stdout.write(root.bytes);
      return 0;
    }
    if (!template || isWholeManifest(template)) {
      io.stdout.write(printInspect(ref, root));
      return 0;
    }
    const loaded = await loadImage(client, ref, root, io.signal);
    io.stdout.write(await executeTemplate(template, templateInput(name, manifestValue(root), loaded, io.signal)));
    return 0;
  } finally {
    await client.close();
  }
}

/** buildx's isWholeManifestTemplate: `{{.Manifest}}` alone, white space around it allowed. */
function isWholeManifest(nodes: readonly TemplateNode[]): boolean {
  let manifest = 0;
  for (const node of nodes) {
    if (node.kind === "text" && node.text.trim() !== "") return false;
    if (node.kind === "action") {
      const { expr } = node;
      if (expr.kind !== "field" || expr.of || expr.fields.join(".") !== "Manifest") return false;
      manifest++;
    }
  }
  return manifest === 1;
}
