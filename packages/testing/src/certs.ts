import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { raceAbort } from "./abort.js";
import { runTool } from "./run-tool.js";
import { tempDir } from "./temp-dir.js";

export interface CertFiles {
  certPath: string;
  keyPath: string;
  certPem: string;
}

/**
 * A self-signed server certificate for 127.0.0.1 and localhost. It is its own CA (openssl marks
 * `-x509` certs CA:TRUE), so clients trust it by adding exactly this file to their CA list.
 * P-256 rather than RSA: key generation takes milliseconds instead of up to a second.
 */
export async function createTlsCert(dir: string, signal?: AbortSignal): Promise<CertFiles> {
  const certPath = join(dir, "tls.crt");
  const keyPath = join(dir, "tls.key");
  await runTool(
    "openssl",
    [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-keyout", keyPath, "-out", certPath, "-days", "2", "-subj", "/CN=127.0.0.1",
      "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
    ],
    { signal },
  );
  return { certPath, keyPath, certPem: await readFile(certPath, "utf8") };
}

interface SigningMaterial {
  keyPem: string;
  certPem: string;
}

let signingMaterial: Promise<SigningMaterial> | undefined;

/**
 * The token issuer's RSA key and certificate. RS256 is what the registry's token auth was verified
 * with, and an RSA-2048 key takes up to a second to generate, so one key pair serves every issuer in
 * the process (each still gets its own files, so stopping one never affects another).
 */
export async function writeSigningCert(dir: string, signal?: AbortSignal): Promise<CertFiles & { keyPem: string }> {
  signingMaterial ??= generateSigningMaterial().catch((error: unknown) => {
    signingMaterial = undefined; // let a later call try again
    throw error;
  });
  const { keyPem, certPem } = await raceAbort(signingMaterial, signal, "token signing key generation");
  const certPath = join(dir, "token.crt");
  const keyPath = join(dir, "token.key");
  await writeFile(keyPath, keyPem, { mode: 0o600 });
  await writeFile(certPath, certPem);
  return { certPath, keyPath, certPem, keyPem };
}

async function generateSigningMaterial(): Promise<SigningMaterial> {
  const dir = await tempDir("exp-token-key-");
  try {
    const keyPath = join(dir.path, "token.key");
    const certPath = join(dir.path, "token.crt");
    await runTool("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyPath, "-out", certPath, "-days", "2", "-subj", "/CN=exp-test-token-issuer"]);
    return { keyPem: await readFile(keyPath, "utf8"), certPem: await readFile(certPath, "utf8") };
  } finally {
    await dir.cleanup();
  }
}
