import { describe, expect, it } from "vitest";
import { resumingBody } from "@exp/oci-spec";
import { retryPolicy } from "../transport/retry.js";
import { resumeRetry } from "./get-blob.js";

const policy = resumeRetry(retryPolicy({ attempts: 3, baseDelayMs: 1, maxDelayMs: 2 }));
const reset = () => Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" });

/** A body that yields `chunks`, then fails with `error` (if given) instead of ending. */
function body(chunks: string[], error?: Error) {
  return (async function* () {
    for (const chunk of chunks) yield Buffer.from(chunk);
    if (error) throw error;
  })();
}

async function collect(source: AsyncIterable<Buffer>): Promise<string> {
  let text = "";
  for await (const chunk of source) text += chunk.toString();
  return text;
}

// The body of a blob GET that breaks after its headers is resumed with a Range request for the
// rest: the transport's retries end with the headers (issue 8: a reset mid-body failed the pull).
// The resuming is @exp/oci-spec's (shared with cache-s3); these check it under the registry's
// retry policy and its undici errors.
describe("resumingBody under the registry's retry policy", () => {
  it("asks for the rest after a reset mid-body and passes on every byte once", async () => {
    const asked: number[] = [];
    const text = await collect(
      resumingBody({ status: 200, body: body(["abc", "de"], reset()) }, async (offset) => (asked.push(offset), { status: 206, body: body(["fgh"]) }), 8, policy),
    );
    expect(text).toBe("abcdefgh");
    expect(asked).toEqual([5]);
  });

  it("skips what it already passed on when the server ignores Range and sends everything again", async () => {
    const text = await collect(resumingBody({ status: 200, body: body(["abcd"], reset()) }, async () => ({ status: 200, body: body(["ab", "cdef", "gh"]) }), 8, policy));
    expect(text).toBe("abcdefgh");
  });

  it("gives up after the policy's attempts, and at once on an error no retry can fix", async () => {
    let requests = 0;
    const failing = async () => (requests++, { status: 206, body: body([], reset()) });
    await expect(collect(resumingBody({ status: 200, body: body(["a"], reset()) }, failing, 8, policy))).rejects.toThrow("other side closed");
    expect(requests).toBe(2);
    requests = 0;
    await expect(collect(resumingBody({ status: 200, body: body(["a"], new Error("digest mismatch")) }, failing, 8, policy))).rejects.toThrow("digest mismatch");
    expect(requests).toBe(0);
  });
});
