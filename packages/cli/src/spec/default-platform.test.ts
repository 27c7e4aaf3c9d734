import { describe, expect, it } from "vitest";
import { formatPlatform, hostPlatform } from "@exp/oci-spec";
import { defaultPlatform } from "./default-platform.js";

describe("defaultPlatform (exp build without --platform)", () => {
  it.each([
    [{ os: "linux", architecture: "amd64" }, "linux/amd64"],
    // containerd's DefaultSpec says arm64/v8 on such a CPU; Normalize drops the v8.
    [{ os: "linux", architecture: "arm64", variant: "v8" }, "linux/arm64"],
    [{ os: "linux", architecture: "arm", variant: "v6" }, "linux/arm/v6"],
    [{ os: "linux", architecture: "arm" }, "linux/arm/v7"],
    // Docker Desktop's worker is a Linux VM on the Mac's CPU.
    [{ os: "darwin", architecture: "arm64" }, "linux/arm64"],
    [{ os: "windows", architecture: "amd64" }, "linux/amd64"],
  ])("builds for linux on the host's CPU: %o -> %s", (host, expected) => {
    expect(formatPlatform(defaultPlatform(host))).toBe(expected);
  });

  it("reads this machine by default", () => {
    expect(defaultPlatform().architecture).toBe(defaultPlatform(hostPlatform()).architecture);
  });
});
