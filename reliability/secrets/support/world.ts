import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRegistry, startS3, type TestRegistry, type TestS3 } from "@exp/testing";
import { startEchoRegistry, type EchoRegistry } from "./echo-registry.js";
import { mintIdentityToken, writeDockerConfigs, writeHelpers, type DockerConfigs, type Secrets } from "./logins.js";
import { distinctive, SecretBook } from "./needles.js";

export type { DockerConfigs, Secrets } from "./logins.js";

export interface World {
  dir: string;
  /** FROM scratch + COPY: the build every run does. */
  context: string;
  /** FROM the image pushed to the token registry: a pull with credentials. */
  pullContext: string;
  store: string;
  /** HOME of every run: exp must write nothing there that holds a secret. */
  home: string;
  /** Directory holding the fake docker-credential-* helpers (on PATH for the runs). */
  bin: string;
  outputs: string;
  basic: TestRegistry;
  token: TestRegistry;
  s3: TestS3;
  /** Registries that refuse pushes by echoing the credentials back (Basic, and Bearer via the token issuer). */
  echoBasic: EchoRegistry;
  echoBearer: EchoRegistry;
  /** A registry whose own token server refuses every token request by echoing it. */
  echoRealm: EchoRegistry;
  bucket: string;
  /** A loopback port nothing listens on: the unreachable endpoint. */
  closedPort: number;
  secrets: Secrets;
  configs: DockerConfigs;
  book: SecretBook;
  stop(): Promise<void>;
}

/**
 * Starts a basic-auth registry, a token-auth registry (with its issuer) and Swift's s3api, all
 * with distinctive secrets, and writes the docker configs and credential helpers the runs use.
 */
export async function startWorld(): Promise<World> {
  const dir = await mkdtemp(join(tmpdir(), "exp-secrets-"));
  const username = "secrets-user";
  const secrets: Omit<Secrets, "identityToken"> = {
    username,
    // Characters that change under URL- and base64-encoding, as real passwords have.
    basicPassword: distinctive("PASSWORD", "@/+:x"),
    tokenPassword: distinctive("TOKENPW", "@/+x"),
    bogusIdentityToken: distinctive("IDENTITY"),
    wrongPassword: distinctive("WRONGPW", "@/+x"),
    s3Secret: distinctive("S3KEY", "/+x"),
    s3SessionToken: distinctive("SESSION", "/+=x"),
    wrongS3Secret: distinctive("WRONGS3", "/+x"),
    helperSecret: distinctive("HELPER", "@/+x"),
  };
  const stops: Array<() => Promise<void>> = [() => rm(dir, { recursive: true, force: true })];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    const started = await Promise.allSettled([
      startRegistry({ auth: "basic", username, password: secrets.basicPassword }),
      startRegistry({ auth: "token", username, password: secrets.tokenPassword }),
      startS3({ bucket: "exp-secrets", secretAccessKey: secrets.s3Secret }),
    ] as const);
    // Whatever did start is stopped, even when another server failed to.
    for (const result of started) if (result.status === "fulfilled") stops.push(result.value.stop);
    const [basic, token, s3] = started.map((result) => {
      if (result.status === "rejected") throw result.reason;
      return result.value;
    }) as [TestRegistry, TestRegistry, TestS3];
    const echoBasic = await startEchoRegistry({ challenge: { scheme: "basic" } });
    stops.push(echoBasic.stop);
    const echoBearer = await startEchoRegistry({ challenge: { scheme: "bearer", realm: token.tokenRealm!, service: token.tokenService! } });
    stops.push(echoBearer.stop);
    const echoRealm = await startEchoRegistry({ challenge: { scheme: "echo-token-server" } });
    stops.push(echoRealm.stop);
    const identityToken = await mintIdentityToken(token, username, secrets.tokenPassword);
    const all: Secrets = { ...secrets, identityToken };

    const book = new SecretBook();
    book.addBasic("basic registry password", username, all.basicPassword);
    book.addBasic("token registry password", username, all.tokenPassword);
    book.addBasic("wrong registry password", username, all.wrongPassword);
    book.addBasic("credential helper secret", username, all.helperSecret);
    book.add("identity token", identityToken).add("bogus identity token", all.bogusIdentityToken);
    book.add("S3 secret access key", all.s3Secret).add("S3 session token", all.s3SessionToken).add("wrong S3 secret", all.wrongS3Secret);
    // Every access (JWT) and refresh token the issuer hands out while the suite runs. A JWT's
    // signature is its secret part: its start is searched too, to catch a truncated token.
    book.watch(() =>
      token.tokenIssuer!.issued.flatMap((value) => {
        const signature = value.split(".")[2];
        return [{ label: "issued token", value }, ...(signature ? [{ label: "issued token's signature (start)", value: signature.slice(0, 32) }] : [])];
      }),
    );

    const context = join(dir, "ctx");
    await mkdir(context, { recursive: true });
    await writeFile(join(context, "Dockerfile"), "FROM scratch\nCOPY a.txt /\nENV A=1\n");
    await writeFile(join(context, "a.txt"), "a\n".repeat(200));
    const pullContext = join(dir, "pull-ctx");
    await mkdir(pullContext, { recursive: true });
    await writeFile(join(pullContext, "Dockerfile"), `FROM ${token.host}/app:1\nCOPY b.txt /\n`);
    await writeFile(join(pullContext, "b.txt"), "b\n");

    const home = join(dir, "home");
    const bin = join(dir, "bin");
    const outputs = join(dir, "out");
    await Promise.all([mkdir(home), mkdir(bin), mkdir(outputs)]);
    await writeHelpers(bin, basic.host, username, all.basicPassword, all.helperSecret);
    const closedPort = await freePort();
    const configs = await writeDockerConfigs(join(dir, "docker"), { basic, token, echo: [echoBasic.host, echoBearer.host, echoRealm.host], closedPort, secrets: all });
    return { dir, context, pullContext, store: join(dir, "store"), home, bin, outputs, basic, token, s3, echoBasic, echoBearer, echoRealm, bucket: s3.bucket!, closedPort, secrets: all, configs, book, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
