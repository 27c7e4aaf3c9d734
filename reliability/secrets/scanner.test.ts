import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { basicHeaderValue, distinctive, SecretBook } from "./support/needles.js";
import { scanTree } from "./support/scan-files.js";

// The leak suite is only as good as its detector: a scan that finds nothing must mean there was
// nothing, so every form a secret can take is checked here against a known plant.

const user = "someone";
const password = distinctive("PASSWORD", "@/+:");
const token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.QmFzZTY0U2lnbmF0dXJlVmFsdWVfX19fX19fX19fX19fX19f";
const book = () => new SecretBook().addBasic("password", user, password).add("token", token);

/** A one-member ustar archive, as the OCI exporter writes them. */
function tar(name: string, data: Buffer): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, "latin1");
  header.write("0000644\0", 100, "latin1");
  header.write(`${data.length.toString(8).padStart(11, "0")}\0`, 124, "latin1");
  header.write("ustar\0", 257, "latin1");
  return Buffer.concat([header, data, Buffer.alloc((512 - (data.length % 512)) % 512), Buffer.alloc(1024)]);
}

describe("the secret scanner", () => {
  it.each([
    ["raw", `ERROR: ${password}`],
    ["a Basic header", `Authorization: Basic ${basicHeaderValue(user, password)}`],
    ["URL-encoded", `?password=${encodeURIComponent(password)}`],
    ["inside a base64 document, at any offset", Buffer.from(`{"a":"xy","auth":"${user}:${password}"}`).toString("base64")],
    ["inside a base64url document", Buffer.from(`{"p":"${password}"}`).toString("base64url")],
    ["half redacted at its punctuation", `holds [REDACTED]${password.slice(password.indexOf("@"))}`],
    ["truncated", `message: ${password.slice(0, 14)}…`],
    ["only the marker", "s3cr3t"],
  ])("finds a password %s", (_, text) => {
    expect(book().scan("text", text).length).toBeGreaterThan(0);
  });

  it("finds a token, and its signature alone", () => {
    const b = book().watch(() => [{ label: "sig", value: token.split(".")[2]!.slice(0, 32) }]);
    expect(b.scan("text", `invalid ${token}`).map((l) => l.secret)).toContain("token");
    expect(b.scan("text", `sig ${token.split(".")[2]}`).map((l) => l.secret)).toEqual(["sig"]);
  });

  it("reports nothing for text without a secret", () => {
    expect(book().scan("text", `pushed sha256:${"ab".repeat(32)} to 127.0.0.1:5000/app as ${user}`)).toEqual([]);
  });

  it("finds secrets in file names, symlink targets, gzip streams and tar members", async () => {
    const dir = await mkdtemp(join(tmpdir(), "exp-secrets-scanner-"));
    try {
      await mkdir(join(dir, "a", "b"), { recursive: true });
      await writeFile(join(dir, "a", "b", "clean.json"), "{}");
      await writeFile(join(dir, "a", `x-${password.replaceAll("/", "_")}`), "");
      await symlink(`/nowhere/${token}`, join(dir, "a", "link"));
      await writeFile(join(dir, "a", "b", "layer.tar.gz"), gzipSync(tar("etc/config.json", Buffer.from(`{"password":"${password}"}`))));
      await writeFile(join(dir, "a", "b", "skipped.json"), password);
      const { leaks, stats } = await scanTree(book(), dir, "tree", ["a/b/skipped.json"]);
      const where = leaks.map((l) => l.where);
      expect(where).toContain("tree/a/link (symlink target)");
      expect(where).toContain("tree/a/b/layer.tar.gz (gunzipped):etc/config.json");
      expect(where.some((w) => w.endsWith("(file name)"))).toBe(true);
      expect(where.some((w) => w.includes("skipped") || w.includes("clean"))).toBe(false);
      expect(stats.nested).toBe(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
