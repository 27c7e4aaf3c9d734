import { Buffer } from "node:buffer";
import { asDigest } from "@exp/oci-spec";
import { describe, expect, it } from "vitest";
import { githubActionsBuilderId } from "./github-actions.js";
import type { MountUse, ProvenanceInput } from "./input.js";
import type { ProvenanceMode, ProvenanceVersion } from "./options.js";
import { provenanceAttestation } from "./provenance.js";
import { inTotoStatement, serializeStatement } from "./statement.js";
import { sampleInput } from "./test-support.js";

/** Every value below that contains "s3cr3t" must not reach the written statement, in any mode or version. */
const env = {
  GITHUB_ACTIONS: "true",
  GITHUB_SERVER_URL: "https://github.com",
  GITHUB_REPOSITORY: "octo/app",
  GITHUB_RUN_ID: "42",
  GITHUB_RUN_ATTEMPT: "2",
  GITHUB_TOKEN: "s3cr3t-gh-token",
  ACTIONS_RUNTIME_TOKEN: "s3cr3t-runtime-token",
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: "s3cr3t-oidc",
  NPM_CONFIG_TOKEN: "s3cr3t-npm-env",
};

function leakyInput(): ProvenanceInput {
  const base = sampleInput();
  return {
    ...base,
    builderId: `${githubActionsBuilderId(env)}?token=s3cr3t-builder-token`,
    request: {
      buildArgs: {
        NPM_TOKEN: "s3cr3t-npm",
        AWS_SECRET_ACCESS_KEY: "s3cr3t-aws",
        GITHUB_PAT: "ghp_s3cr3t",
        DB_PASSWORD: "s3cr3t-db",
        PIP_INDEX_URL: "https://pip:s3cr3t-pip@pypi.example.com/simple",
        HTTP_PROXY: "http://proxy-user:s3cr3t-proxy@proxy.example.com:3128",
        PIP_OPTS: "--index-url https://u:s3cr3t-embedded@pypi.example.com/simple --no-cache",
        GO_VERSION: "1.22",
      },
      labels: { "com.example.api-key": "s3cr3t-label", "org.opencontainers.image.source": "https://bot:s3cr3t-label-url@github.com/octo/app" },
      target: "release",
      context: "https://ctx:s3cr3t-ctx@github.com/octo/app.git#main",
      namedContexts: { base: "https://files.example.com/base.tar.gz?X-Amz-Signature=s3cr3t-named&X-Amz-Date=20240501" },
      vcs: { source: "https://vcs:s3cr3t-vcs@github.com/octo/app.git", revision: "4b220de5058abfd01ff619c9d2ff6b09a049bea0", "localdir:context": "." },
      attrs: { "add-hosts": "db=10.0.0.1", mirror: "https://m:s3cr3t-attr@mirror.example.com?access_token=s3cr3t-attr-query" },
    },
    dockerfile: { filename: "Dockerfile", content: `${base.dockerfile!.content as string}ADD https://df:s3cr3t-dockerfile@files.example.com/x /x\n` },
    materials: {
      ...base.materials,
      http: [
        { url: "https://dl:s3cr3t-dl@files.example.com/tool.tar.gz?X-Amz-Credential=s3cr3t-cred&X-Amz-Security-Token=s3cr3t-sts&X-Amz-Signature=s3cr3t-sig&X-Amz-Expires=300", digest: `sha256:${"c".repeat(64)}` },
        { url: "https://acct.blob.core.windows.net/c/tool.zip?sv=2022-11-02&se=2030-01-01&sig=s3cr3t-sas", digest: `sha256:${"d".repeat(64)}` },
        { url: "https://storage.googleapis.com/b/o?X-Goog-Signature=s3cr3t-goog&X-Goog-Credential=s3cr3t-goog-cred", digest: `sha256:${"e".repeat(64)}` },
      ],
      git: [{ url: "https://git:s3cr3t-git@github.com/octo/app.git", commit: "4b220de5058abfd01ff619c9d2ff6b09a049bea0" }],
    },
    // What a front end might hand over by mistake: the secret's source, value and env name beside its id.
    secrets: [{ id: "npmrc", src: "/home/me/s3cr3t-path/.npmrc", value: "s3cr3t-value", env: "S3CR3T_ENV" } as MountUse],
    ssh: [{ id: "", paths: ["/home/me/.ssh/s3cr3t-key"] } as MountUse],
    steps: {
      result: "add",
      steps: [
        { id: "base", kind: "image", name: "FROM alpine", layers: [{ mediaType: "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", digest: asDigest(`sha256:${"f".repeat(64)}`), size: 1, urls: ["https://l:s3cr3t-layer@cdn.example.com/l"] }] },
        { id: "add", kind: "copy", name: "[1/1] ADD https://st:s3cr3t-step@files.example.com/x /x", inputs: ["base"] },
      ],
    },
  };
}

const combos: [ProvenanceVersion, ProvenanceMode][] = [
  ["v1", "min"],
  ["v1", "max"],
  ["v0.2", "min"],
  ["v0.2", "max"],
];

/** The statement as written, plus the Dockerfile embedded in it (base64) decoded. */
function written(version: ProvenanceVersion, mode: ProvenanceMode): string {
  const statement = inTotoStatement(provenanceAttestation(leakyInput(), { mode, version }), [{ name: "pkg:docker/octo/app@1", digest: { sha256: "a".repeat(64) } }]);
  const text = serializeStatement(statement, { indent: "  " });
  const embedded = [...text.matchAll(/"data": "([^"]+)"/g)].map((m) => Buffer.from(m[1]!, "base64").toString("utf8"));
  return [text, ...embedded].join("\n");
}

describe("no secret goes in", () => {
  for (const [version, mode] of combos) {
    it(`${version} ${mode}: no secret-looking value, credential or environment variable is written`, () => {
      const text = written(version, mode);
      expect(text.match(/s3cr3t[\w-]*/gi) ?? []).toEqual([]);
      // Not by writing nothing: the redacted places are still there, and what is not secret is kept.
      expect(text).toContain("https://github.com/octo/app/actions/runs/42/attempts/2?token=xxxxx");
      expect(text).toContain("https://xxxxx:xxxxx@files.example.com/tool.tar.gz?X-Amz-Credential=xxxxx&X-Amz-Security-Token=xxxxx&X-Amz-Signature=xxxxx&X-Amz-Expires=300".replace(/&/g, "\\u0026"));
      expect(text).toContain("sv=2022-11-02\\u0026se=2030-01-01\\u0026sig=xxxxx");
      expect(text).toContain("https://xxxxx:xxxxx@github.com/octo/app.git");
      if (mode === "max") {
        expect(text).toContain('"build-arg:GO_VERSION": "1.22"');
        expect(text).toContain('"build-arg:NPM_TOKEN": "xxxxx"');
        expect(text).toContain('"build-arg:PIP_INDEX_URL": "https://xxxxx:xxxxx@pypi.example.com/simple"');
        expect(text).toContain('"id": "npmrc"');
        expect(text).toContain("ADD https://xxxxx:xxxxx@files.example.com/x /x");
      } else {
        expect(text).not.toContain("build-arg:");
        expect(text).not.toContain("npmrc");
      }
    });
  }

  it("a secret or SSH mount is written as its id and optional flag, nothing else", () => {
    const predicate = provenanceAttestation(leakyInput(), { mode: "max", version: "v1" }).predicate as any;
    expect(predicate.buildDefinition.externalParameters.request.secrets).toEqual([{ id: "npmrc" }]);
    expect(predicate.buildDefinition.externalParameters.request.ssh).toEqual([{ id: "default" }]);
  });

  it("the builder id helper reads no token, and is absent outside GitHub Actions", () => {
    expect(githubActionsBuilderId(env)).toBe("https://github.com/octo/app/actions/runs/42/attempts/2");
    expect(githubActionsBuilderId({ ...env, GITHUB_ACTIONS: undefined })).toBeUndefined();
    expect(githubActionsBuilderId({ GITHUB_ACTIONS: "true", GITHUB_REPOSITORY: "o/r", GITHUB_RUN_ID: "1" })).toBe("https://github.com/o/r/actions/runs/1/attempts/1");
  });
});
