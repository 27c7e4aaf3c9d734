import { describe, expect, it } from "vitest";
import { parseDockerfile } from "../parse/parse-dockerfile.js";
import { planBuild } from "./plan-build.js";
import { DEFAULT_PATH_ENV } from "./platform.js";
import type { BuildPlan, PlanOptions, PlanStep } from "./types.js";

function plan(text: string, options?: PlanOptions): BuildPlan {
  return planBuild(parseDockerfile(text), options);
}

function steps(text: string, options?: PlanOptions): PlanStep[] {
  const result = plan(text, options);
  return result.stages[result.stages.length - 1]!.steps;
}

function step<K extends PlanStep["kind"]>(list: PlanStep[], kind: K, nth = 0): Extract<PlanStep, { kind: K }> {
  const found = list.filter((s) => s.kind === kind)[nth];
  if (!found) throw new Error(`no ${kind} step #${nth}`);
  return found as Extract<PlanStep, { kind: K }>;
}

/** The value of LABEL v=... in the last stage: a probe for what a variable expands to. */
function probe(text: string, options?: PlanOptions): string {
  return step(steps(`${text}\nLABEL v="$V"`, options), "label").pairs[0]!.value;
}

describe("planBuild: ARG scopes", () => {
  it("uses global ARGs in FROM, with build args overriding their defaults", () => {
    const text = "ARG NODE=20\nARG FLAVOR=alpine\nFROM node:${NODE}-${FLAVOR}\n";
    expect(plan(text).stages[0]!.base).toEqual({ kind: "image", ref: "node:20-alpine" });
    expect(plan(text, { buildArgs: { NODE: "22" } }).stages[0]!.base).toEqual({ kind: "image", ref: "node:22-alpine" });
  });

  it("lets a global ARG default use an earlier global ARG", () => {
    expect(plan("ARG REG=ghcr.io\nARG IMAGE=$REG/app\nFROM $IMAGE:1\n").stages[0]!.base).toEqual({ kind: "image", ref: "ghcr.io/app:1" });
  });

  it("does not expose global ARGs in a stage until re-declared, then imports their (overridden) value", () => {
    const global = "ARG V=global\nFROM scratch";
    expect(probe(global)).toBe("");
    expect(probe(`${global}\nARG V`)).toBe("global");
    expect(probe(`${global}\nARG V`, { buildArgs: { V: "cli" } })).toBe("cli");
    expect(probe(`${global}\nARG V=stage`)).toBe("stage");
  });

  it("gives a stage ARG its default, the build arg over it, and no value without either", () => {
    expect(probe("FROM scratch\nARG V=default")).toBe("default");
    expect(probe("FROM scratch\nARG V=default", { buildArgs: { V: "cli" } })).toBe("cli");
    const bare = steps('FROM scratch\nARG V\nLABEL a="${V-unset}"');
    expect(step(bare, "arg").args).toEqual([{ name: "V" }]);
    expect(step(bare, "label").pairs[0]!.value).toBe("unset");
  });

  it("expands an ARG default with earlier values of the stage", () => {
    expect(probe("FROM scratch\nENV BASE=/opt\nARG V=$BASE/app")).toBe("/opt/app");
  });

  it("lets ENV override an ARG of the same name", () => {
    expect(probe("FROM scratch\nARG V=from-arg\nENV V=from-env", { buildArgs: { V: "cli" } })).toBe("from-env");
    expect(probe("FROM scratch\nARG V\nENV V=${V:-fallback}")).toBe("fallback");
    expect(probe("FROM scratch\nARG V\nENV V=${V:-fallback}", { buildArgs: { V: "cli" } })).toBe("cli");
  });

  it("like BuildKit, lets a later ARG with a value take over from an earlier ENV", () => {
    expect(probe("FROM scratch\nENV V=env\nARG V=arg")).toBe("arg");
    expect(probe("FROM scratch\nENV V=env\nARG V")).toBe("env");
  });

  it("expands all pairs of one ENV with the values from before it", () => {
    const env = step(steps("FROM scratch\nENV A=1\nENV A=2 B=$A\nLABEL a=$A b=$B"), "label");
    expect(env.pairs).toEqual([
      { key: "a", value: "2" },
      { key: "b", value: "1" },
    ]);
  });

  it("records ARG values in history as BuildKit does", () => {
    const list = steps("ARG G=g\nFROM scratch\nARG G A=1 B", { buildArgs: { A: "cli" } });
    expect(step(list, "arg")).toMatchObject({ createdBy: "ARG G=g A=cli B", emptyLayer: true, args: [{ name: "G", value: "g" }, { name: "A", value: "cli" }, { name: "B" }] });
  });

  it("carries a base stage's ARG and ENV values into a stage built FROM it", () => {
    expect(probe("FROM scratch AS base\nARG V=from-base\nFROM base")).toBe("from-base");
  });
});

describe("planBuild: platform ARGs", () => {
  const options: PlanOptions = { platform: { os: "linux", architecture: "arm", variant: "v7" }, buildPlatform: { os: "linux", architecture: "amd64" } };

  it("are available in FROM without a declaration", () => {
    const result = plan("FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nFROM alpine-$TARGETARCH$TARGETVARIANT\nCOPY --from=build /out /out\n", options);
    expect(result.stages.map((s) => [s.platform, s.base])).toEqual([
      ["linux/amd64", { kind: "image", ref: "golang:1.22" }],
      [undefined, { kind: "image", ref: "alpine-armv7" }],
    ]);
    expect([result.targetPlatform, result.buildPlatform]).toEqual(["linux/arm/v7", "linux/amd64"]);
  });

  it("are visible in a stage only once declared with ARG", () => {
    expect(probe("FROM scratch\nENV V=$TARGETPLATFORM", options)).toBe("");
    const label = step(steps("FROM scratch\nARG TARGETPLATFORM TARGETOS TARGETARCH TARGETVARIANT BUILDPLATFORM BUILDOS BUILDARCH BUILDVARIANT\nLABEL p=$TARGETPLATFORM-$TARGETOS-$TARGETARCH-$TARGETVARIANT-$BUILDPLATFORM-$BUILDOS-$BUILDARCH-[$BUILDVARIANT]", options), "label");
    expect(label.pairs[0]!.value).toBe("linux/arm/v7-linux-arm-v7-linux/amd64-linux-amd64-[]");
  });

  it("default to linux/amd64 for both platforms", () => {
    expect(probe("FROM scratch\nARG TARGETPLATFORM BUILDARCH\nENV V=$TARGETPLATFORM,$BUILDARCH")).toBe("linux/amd64,amd64");
  });

  it("can be overridden by build args", () => {
    expect(plan("FROM img:$TARGETARCH\n", { buildArgs: { TARGETARCH: "riscv64" } }).stages[0]!.base).toEqual({ kind: "image", ref: "img:riscv64" });
  });
});

describe("planBuild: stages and targets", () => {
  const text = [
    "FROM alpine AS base", // 0
    "FROM base AS deps", // 1
    "COPY package.json /app/",
    "FROM base AS test", // 2
    "COPY --from=deps /app /app",
    "FROM golang AS tools", // 3
    "FROM scratch AS final", // 4
    "COPY --from=DEPS /app /app",
    "COPY --from=0 /etc/ssl /etc/ssl",
    "COPY --from=nginx:1.25 /etc/nginx /etc/nginx",
  ].join("\n");

  it("builds only what the default (last) target needs, dependencies first", () => {
    const result = plan(text);
    expect(result.stages.map((s) => s.index)).toEqual([0, 1, 4]);
    expect(result.target).toBe(4);
    expect(result.stages.map((s) => s.base)).toEqual([{ kind: "image", ref: "alpine" }, { kind: "stage", index: 0 }, { kind: "scratch" }]);
  });

  it("resolves COPY --from by name (case-insensitive), index, or as an image", () => {
    const copies = plan(text).stages[2]!.steps.map((s) => (s.kind === "copy" ? s.from : undefined));
    expect(copies).toEqual([{ kind: "stage", index: 1 }, { kind: "stage", index: 0 }, { kind: "image", ref: "nginx:1.25" }]);
  });

  it("selects a target by name, case-insensitively, and prunes the rest", () => {
    expect(plan(text, { target: "Test" }).stages.map((s) => s.name)).toEqual(["base", "deps", "test"]);
    expect(plan(text, { target: "tools" }).stages.map((s) => s.name)).toEqual(["tools"]);
  });

  it("reads FROM <own name> as the image, the way Docker does", () => {
    expect(plan("FROM node AS node\n").stages[0]!.base).toEqual({ kind: "image", ref: "node" });
  });
});

describe("planBuild: paths", () => {
  it("resolves relative WORKDIRs against the previous one", () => {
    const list = steps("FROM scratch\nWORKDIR /a\nWORKDIR b\nWORKDIR ../c/./d/\nWORKDIR /\nWORKDIR e");
    expect(list.map((s) => (s.kind === "workdir" ? [s.path, s.createdBy, s.emptyLayer] : undefined))).toEqual([
      ["/a", "WORKDIR /a", false],
      ["/a/b", "WORKDIR /a/b", false],
      ["/a/c/d", "WORKDIR /a/c/d", false],
      ["/", "WORKDIR /", true],
      ["/e", "WORKDIR /e", false],
    ]);
  });

  it("continues from the base stage's WORKDIR", () => {
    expect(step(steps("FROM scratch AS base\nWORKDIR /srv\nFROM base\nWORKDIR app"), "workdir").path).toBe("/srv/app");
  });

  it("resolves COPY destinations against the WORKDIR, keeping a directory's trailing slash", () => {
    const list = steps("FROM scratch\nWORKDIR /app\nCOPY a .\nCOPY a ./\nCOPY a b\nCOPY a lib/\nCOPY a /abs/x\nCOPY a ../up/");
    expect(list.flatMap((s) => (s.kind === "copy" ? [s.dest] : []))).toEqual(["/app/", "/app/", "/app/b", "/app/lib/", "/abs/x", "/up/"]);
  });
});

describe("planBuild: commands", () => {
  it("turns a shell-form CMD into [...SHELL, command] with the current SHELL", () => {
    const list = steps('FROM scratch\nCMD echo 1\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\nCMD echo "$HOME"\nENTRYPOINT exec app');
    expect(step(list, "cmd", 0).args).toEqual(["/bin/sh", "-c", "echo 1"]);
    expect(step(list, "cmd", 1)).toMatchObject({ args: ["/bin/bash", "-o", "pipefail", "-c", 'echo "$HOME"'], createdBy: 'CMD ["/bin/bash" "-o" "pipefail" "-c" "echo \\"$HOME\\""]' });
    expect(step(list, "entrypoint").args).toEqual(["/bin/bash", "-o", "pipefail", "-c", "exec app"]);
    expect(step(list, "shell").createdBy).toBe("SHELL [/bin/bash -o pipefail -c]");
  });

  it("keeps the exec form as written, never expanded", () => {
    expect(step(steps('FROM scratch\nENV X=1\nCMD ["node", "$X"]'), "cmd")).toMatchObject({ args: ["node", "$X"], createdBy: 'CMD ["node" "$X"]' });
  });

  it("uses cmd /S /C for a Windows target", () => {
    expect(step(steps("FROM scratch\nCMD dir", { platform: { os: "windows", architecture: "amd64" } }), "cmd").args).toEqual(["cmd", "/S", "/C", "dir"]);
  });

  it("inherits SHELL from the base stage", () => {
    expect(step(steps('FROM scratch AS a\nSHELL ["pwsh", "-c"]\nFROM a\nCMD ls'), "cmd").args).toEqual(["pwsh", "-c", "ls"]);
  });

  it("says whether ENTRYPOINT clears an inherited CMD", () => {
    expect(step(steps('FROM scratch\nENTRYPOINT ["a"]'), "entrypoint").resetsCmd).toBe(true);
    expect(step(steps('FROM scratch\nCMD ["b"]\nENTRYPOINT ["a"]'), "entrypoint").resetsCmd).toBe(false);
    expect(step(steps('FROM scratch AS x\nCMD ["b"]\nFROM x\nENTRYPOINT ["a"]'), "entrypoint").resetsCmd).toBe(true);
    expect(step(steps("FROM scratch\nENTRYPOINT []"), "entrypoint")).toMatchObject({ args: [], createdBy: "ENTRYPOINT []" });
  });
});

describe("planBuild: config steps and their history", () => {
  const list = steps(
    [
      "FROM scratch",
      "ENV PORT=8080 NAME=\"my app\"",
      "LABEL org.opencontainers.image.title=$NAME",
      "USER ${NAME%% *}:staff",
      "EXPOSE $PORT 53/UDP 1000-1002",
      "VOLUME /data $HOME/cache",
      "STOPSIGNAL SIGQUIT",
      "HEALTHCHECK --interval=1m30s --timeout=3s --retries=3 CMD curl -f http://localhost:$PORT/",
      "MAINTAINER Jane",
      "ONBUILD COPY . /src",
    ].join("\n"),
  );

  it.each([
    ["env", "ENV PORT=8080 NAME=my app"],
    ["label", "LABEL org.opencontainers.image.title=my app"],
    ["user", "USER my:staff"],
    // BuildKit sorts the words as written ("$PORT" < "1000-1002" < "53/UDP"), then expands them.
    ["expose", "EXPOSE [8080/tcp 1000/tcp 1001/tcp 1002/tcp 53/udp]"],
    ["volume", "VOLUME [/data /cache]"],
    ["stopsignal", "STOPSIGNAL SIGQUIT"],
    ["healthcheck", "HEALTHCHECK {Test:[CMD-SHELL curl -f http://localhost:$PORT/] Interval:1m30s Timeout:3s StartPeriod:0s StartInterval:0s Retries:3}"],
    ["maintainer", "MAINTAINER Jane"],
  ] as const)("%s → %s", (kind, createdBy) => {
    expect(step(list, kind)).toMatchObject({ createdBy, emptyLayer: true });
  });

  it("gives each step its typed value", () => {
    expect(step(list, "expose").ports).toEqual(["8080/tcp", "1000/tcp", "1001/tcp", "1002/tcp", "53/udp"]);
    expect(step(list, "healthcheck").healthcheck).toEqual({ Test: ["CMD-SHELL", "curl -f http://localhost:$PORT/"], Interval: 90e9, Timeout: 3e9, Retries: 3 });
    expect(step(list, "user").user).toBe("my:staff");
    expect(step(list, "maintainer").maintainer).toBe("Jane");
  });

  it("writes no history for ONBUILD, as BuildKit", () => {
    const onbuild = step(list, "onbuild");
    expect(onbuild).toEqual({ kind: "onbuild", location: { line: 10, column: 1 }, trigger: "COPY . /src" });
    expect(onbuild.createdBy).toBeUndefined();
  });

  it("splits an EXPOSE variable into several ports", () => {
    expect(step(steps("FROM scratch\nENV PORTS=\"80 443\"\nEXPOSE $PORTS"), "expose").ports).toEqual(["80/tcp", "443/tcp"]);
  });
});

describe("planBuild: COPY and ADD", () => {
  it("expands sources, destination and flags, and formats history like BuildKit", () => {
    const list = steps("FROM scratch AS b\nFROM scratch\nARG OWNER=app\nENV SRC=dist\nCOPY --from=b --chown=$OWNER:$OWNER --chmod=0644 --link --parents --exclude=*.map $SRC/*.js ${SRC}/x /srv/");
    expect(step(list, "copy")).toEqual({
      kind: "copy",
      location: { line: 5, column: 1 },
      createdBy: "COPY --parents --chown=app:app --chmod=0644 dist/*.js dist/x /srv/ # buildkit",
      emptyLayer: false,
      sources: ["dist/*.js", "dist/x"],
      dest: "/srv/",
      from: { kind: "stage", index: 0 },
      chown: "app:app",
      chmod: "0644",
      link: true,
      parents: true,
      exclude: ["*.map"],
      heredocs: [],
      add: false,
    });
  });

  it("marks ADD of local files (archives included) with add: true", () => {
    expect(step(steps("FROM scratch\nADD --chown=1:1 app.tar.gz /opt/"), "copy")).toMatchObject({
      add: true,
      sources: ["app.tar.gz"],
      from: { kind: "context" },
      createdBy: "ADD --chown=1:1 app.tar.gz /opt/ # buildkit",
    });
  });

  it("expands heredoc bodies unless the delimiter is quoted, keeping quotes", () => {
    const list = steps('FROM scratch\nENV NAME=world\nCOPY --chmod=755 <<hello.sh <<"raw.txt" /bin/\necho "hi $NAME" \\$HOME\nhello.sh\n$NAME\nraw.txt');
    expect(step(list, "copy")).toMatchObject({
      sources: [],
      dest: "/bin/",
      heredocs: [
        { name: "hello.sh", content: 'echo "hi world" $HOME\n', chmod: "755" },
        { name: "raw.txt", content: "$NAME\n", chmod: "755" },
      ],
      createdBy: "COPY --chmod=755 <<hello.sh <<raw.txt /bin/ # buildkit",
    });
  });
});

describe("planBuild: ONBUILD triggers", () => {
  it("runs a base stage's triggers first in a stage built FROM it", () => {
    const result = plan("FROM scratch AS deps\nFROM scratch AS base\nONBUILD COPY --from=deps /lib /lib\nONBUILD ENV X=1\nFROM base\nUSER app\n");
    expect(result.stages.map((s) => s.index)).toEqual([0, 1, 2]);
    const final = result.stages[2]!.steps;
    expect(final.map((s) => [s.kind, s.onbuildTrigger, s.location.line])).toEqual([
      ["copy", true, 5],
      ["env", true, 5],
      ["user", undefined, 6],
    ]);
    expect(final[0]).toMatchObject({ from: { kind: "stage", index: 0 }, createdBy: "COPY /lib /lib # buildkit" });
  });

  it("points errors and warnings inside a trigger at the FROM that ran it", () => {
    const text = "FROM scratch AS base\nONBUILD COPY \\\n  ${SRC /x\nFROM base\n";
    expect(() => plan(text)).toThrow(/^Dockerfile:4:1: failed to process "\$\{SRC"/);
  });

  it("runs the OnBuild triggers of a base image whose config is given", () => {
    const list = steps("FROM app-base\nUSER app\n", { imageConfigs: { "app-base": { OnBuild: ["COPY . /src"] } } });
    expect(list.map((s) => s.kind)).toEqual(["copy", "user"]);
  });
});

describe("planBuild: base image configs", () => {
  it("expands with the base image's ENV when its config is given", () => {
    const list = steps("FROM golang:1.22\nENV PATH=/app/bin:$PATH GOBIN=$GOPATH/bin", {
      imageConfigs: { "golang:1.22": { Env: ["PATH=/usr/local/go/bin:/usr/bin", "GOPATH=/go"], WorkingDir: "/go" } },
    });
    expect(step(list, "env").pairs).toEqual([
      { key: "PATH", value: "/app/bin:/usr/local/go/bin:/usr/bin" },
      { key: "GOBIN", value: "/go/bin" },
    ]);
  });

  it("resolves relative paths against the base image's WORKDIR and uses its SHELL", () => {
    const list = steps("FROM win\nWORKDIR app\nCOPY a b\nCMD dir", { imageConfigs: { win: { WorkingDir: "/base", Shell: ["pwsh", "-c"] } } });
    expect(step(list, "workdir").path).toBe("/base/app");
    expect(step(list, "copy").dest).toBe("/base/app/b");
    expect(step(list, "cmd").args).toEqual(["pwsh", "-c", "dir"]);
  });

  it("without a config, uses Docker's defaults and warns where they were guessed", () => {
    const result = plan("FROM node:20\nENV PATH=/app/bin:$PATH\nWORKDIR app\nCOPY $NODE_VERSION.txt .\n");
    expect(step(result.stages[0]!.steps, "env").pairs[0]!.value).toBe(`/app/bin:${DEFAULT_PATH_ENV}`);
    expect(step(result.stages[0]!.steps, "workdir").path).toBe("/app");
    expect(result.warnings).toEqual([
      expect.stringMatching(/^Dockerfile:2:5: \$PATH is taken to be Docker's default because the config of base image "node:20" was not given/),
      expect.stringMatching(/^Dockerfile:3:9: WORKDIR app is relative and the WORKDIR of base image "node:20" is unknown/),
      expect.stringMatching(/^Dockerfile:4:6: \$NODE_VERSION is not set by this Dockerfile; if base image "node:20" sets it, pass the image's config/),
    ]);
  });

  it("gives scratch Docker's default PATH without a warning", () => {
    const result = plan("FROM scratch\nENV PATH=/bin2:$PATH\n");
    expect(step(result.stages[0]!.steps, "env").pairs[0]!.value).toBe(`/bin2:${DEFAULT_PATH_ENV}`);
    expect(result.warnings).toEqual([]);
  });
});

describe("planBuild: warnings and options", () => {
  it("warns when FROM uses a variable no global ARG declares", () => {
    const result = plan("FROM node:${VERSION:-20}\n");
    expect(result.stages[0]!.base).toEqual({ kind: "image", ref: "node:20" });
    expect(result.warnings).toEqual([expect.stringMatching(/^Dockerfile:1:6: UndefinedArgInFrom: FROM uses \$VERSION, which no global ARG declares/)]);
  });

  it("warns about build args nothing consumed, but not about Docker's predefined ones", () => {
    const result = plan("ARG USED\nFROM scratch AS a\nARG IN_A\nFROM scratch\nARG IN_LAST\n", {
      buildArgs: { USED: "1", IN_A: "2", IN_LAST: "3", NOPE: "4", HTTP_PROXY: "p", no_proxy: "n", BUILDKIT_INLINE_CACHE: "1" },
    });
    expect(result.warnings).toEqual([`Dockerfile: build arg "IN_A" was not consumed: no ARG IN_A in the global scope or in the stages built`, `Dockerfile: build arg "NOPE" was not consumed: no ARG NOPE in the global scope or in the stages built`]);
  });

  it("passes on the parser's warnings (legacy ENV, MAINTAINER)", () => {
    const result = plan("FROM scratch\nENV A b\nMAINTAINER me\n");
    expect(result.warnings).toEqual([expect.stringMatching(/^Dockerfile:2:1: .*legacy/), expect.stringMatching(/^Dockerfile:3:1: MaintainerDeprecated: MAINTAINER is deprecated/)]);
  });

  it("returns the parser directives", () => {
    expect(plan("# syntax=docker/dockerfile:1\nFROM scratch\n").directives).toEqual({ syntax: "docker/dockerfile:1" });
  });

  it.each([
    [{ platform: { os: "linux" } }, "platform"],
    [{ buildPlatform: { os: "linux/amd64", architecture: "" } }, "buildPlatform"],
    [{ buildArgs: { A: 1 } }, "buildArgs.A"],
    [{ target: "" }, "target"],
  ])("rejects bad options %j", (options, key) => {
    expect(() => plan("FROM scratch\n", options as PlanOptions)).toThrow(expect.objectContaining({ code: "ERR_INVALID_OPTION", message: expect.stringContaining(`"${key}"`) }));
  });
});
