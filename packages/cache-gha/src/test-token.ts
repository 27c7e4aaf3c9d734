// For this package's tests only (not exported from index.ts).

/** An unsigned JWT with the claims go-actions-cache reads (runtime-token.ts does not verify signatures). */
export function fakeRuntimeToken(scopes: ReadonlyArray<{ Scope: string; Permission: number }>, claims: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return [part({ alg: "none", typ: "JWT" }), part({ ac: JSON.stringify(scopes), nbf: now - 60, exp: now + 3600, ...claims }), "sig"].join(".");
}
