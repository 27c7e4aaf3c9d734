import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** Writes `<home>/.docker/config.json` with basic-auth credentials for `registry` ("host:port"), where exp (and docker) look for them. */
export async function writeDockerConfig(home: string, registry: string, username: string, password: string): Promise<void> {
  await mkdir(join(home, ".docker"), { recursive: true });
  const auth = Buffer.from(`${username}:${password}`).toString("base64");
  await writeFile(join(home, ".docker", "config.json"), JSON.stringify({ auths: { [registry]: { auth } } }));
}
