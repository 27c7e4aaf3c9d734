import { describe, expect, it } from "vitest";
import { digestOf, DigestMismatchError } from "./digest.js";
import { resumableVerifiedBody, resumingBody, type ResumeRetry } from "./resumable-body.js";

const reset = () => Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
const retry: ResumeRetry = { attempts: 3, delayMs: () => 1, isRetryable: (error) => (error as { code?: string }).code === "ECONNRESET" };

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

// A blob GET whose body breaks after its headers is resumed with a Range request for the rest:
// the transports' own retries (undici's, the AWS SDK's) end with the headers.
describe("resumingBody", () => {
  it("asks for the rest after a reset mid-body and passes on every byte once", async () => {
    const asked: number[] = [];
    const text = await collect(resumingBody({ status: 200, body: body(["abc", "de"], reset()) }, async (offset) => (asked.push(offset), { status: 206, body: body(["fgh"]) }), 8, retry));
    expect(text).toBe("abcdefgh");
    expect(asked).toEqual([5]);
  });

  it("skips what it already passed on when the server ignores Range and sends everything again", async () => {
    const text = await collect(resumingBody({ status: 200, body: body(["abcd"], reset()) }, async () => ({ status: 200, body: body(["ab", "cdef", "gh"]) }), 8, retry));
    expect(text).toBe("abcdefgh");
  });

  it("gives up after the policy's attempts, and at once on an error no retry can fix", async () => {
    let requests = 0;
    const failing = async () => (requests++, { status: 206, body: body([], reset()) });
    await expect(collect(resumingBody({ status: 200, body: body(["a"], reset()) }, failing, 8, retry))).rejects.toThrow("socket hang up");
    expect(requests).toBe(2);
    requests = 0;
    await expect(collect(resumingBody({ status: 200, body: body(["a"], new Error("digest mismatch")) }, failing, 8, retry))).rejects.toThrow("digest mismatch");
    expect(requests).toBe(0);
  });

  it("stops with ERR_ABORTED when the signal fires while it waits to resume", async () => {
    const controller = new AbortController();
    const slow: ResumeRetry = { ...retry, delayMs: () => (controller.abort(new Error("ctrl-c")), 10_000) };
    await expect(collect(resumingBody({ status: 200, body: body(["a"], reset()) }, async () => ({ status: 206, body: body(["b"]) }), 8, slow, controller.signal))).rejects.toMatchObject({ code: "ERR_ABORTED" });
  });
});

describe("resumableVerifiedBody", () => {
  const data = "0123456789";
  const descriptor = { digest: digestOf(data), size: data.length };

  it("streams the blob verified across a break, requesting each offset with the caller's signal", async () => {
    const signal = new AbortController().signal;
    const asked: Array<[number, AbortSignal | undefined]> = [];
    const progress: number[] = [];
    const stream = await resumableVerifiedBody({
      descriptor,
      what: "blob x",
      retry,
      signal,
      onBytes: (n) => progress.push(n),
      request: async (offset, s) => {
        asked.push([offset, s]);
        return offset === 0 ? { status: 200, body: body(["0123"], reset()) } : { status: 206, body: body([data.slice(offset)]) };
      },
    });
    expect(await collect(stream)).toBe(data);
    expect(asked).toEqual([
      [0, signal],
      [4, signal],
    ]);
    expect(progress.at(-1)).toBe(10);
  });

  it("ends in DigestMismatchError when the bytes are not the blob's, and rejects when the first request fails", async () => {
    const wrong = await resumableVerifiedBody({ descriptor, what: "blob x", retry, request: async () => ({ status: 200, body: body(["0123456788"]) }) });
    await expect(collect(wrong)).rejects.toBeInstanceOf(DigestMismatchError);
    await expect(resumableVerifiedBody({ descriptor, what: "blob x", retry, request: async () => Promise.reject(new Error("404")) })).rejects.toThrow("404");
  });
});
