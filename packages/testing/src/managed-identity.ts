import { randomBytes, randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface TestManagedIdentity {
  /** The variables an Azure App Service (or Functions) host sets, which DefaultAzureCredential's managed identity reads. */
  env: { IDENTITY_ENDPOINT: string; IDENTITY_HEADER: string };
  /** The resources tokens were asked for, in order (a request without the right header is refused and not listed). */
  readonly resources: readonly string[];
  stop(): Promise<void>;
}

/**
 * Azure App Service's managed identity endpoint (GET `IDENTITY_ENDPOINT?api-version=2019-08-01&resource=…`
 * with the `X-IDENTITY-HEADER` secret), answering with a Microsoft Entra ID access token for Azure
 * Storage that Azurite's `--oauth basic` accepts: audience https://storage.azure.com, an
 * sts.windows.net issuer, valid for an hour. Azurite does not check the signature, so the token is
 * unsigned. The one credential of DefaultAzureCredential's chain that can be served offline (the
 * others ask login.microsoftonline.com for the authority's metadata first).
 */
export async function startManagedIdentity(): Promise<TestManagedIdentity> {
  const header = randomBytes(16).toString("hex");
  const tenant = randomUUID();
  const resources: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (req.headers["x-identity-header"] !== header || url.pathname !== "/msi/token") {
      res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ error: "unauthorized" }));
      return;
    }
    const resource = url.searchParams.get("resource") ?? "";
    resources.push(resource);
    const now = Math.floor(Date.now() / 1000);
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const claims = { aud: "https://storage.azure.com", iss: `https://sts.windows.net/${tenant}/`, tid: tenant, oid: randomUUID(), nbf: now - 60, iat: now - 60, exp: now + 3600 };
    const token = [part({ alg: "RS256", typ: "JWT" }), part(claims), "unsigned"].join(".");
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ access_token: token, expires_on: String(now + 3600), resource, token_type: "Bearer" }));
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    env: { IDENTITY_ENDPOINT: `http://127.0.0.1:${port}/msi/token`, IDENTITY_HEADER: header },
    resources,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
