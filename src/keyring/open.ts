import { join } from "node:path";
import { homeLayout } from "../config/home.js";
import type { ScryptParams } from "./envelope.js";
import { FileKeyring, type FileKeyringOptions } from "./file-backend.js";
import { TestKeyring } from "./test-backend.js";
import { type Keyring, KeyringError } from "./types.js";

export const KEYRING_BACKENDS = ["test", "file"] as const;

/** Where a backend keeps its keys inside a home directory. */
export function keyringDir(home: string, backend: "test" | "file"): string {
  const layout = homeLayout(home);
  return backend === "test" ? layout.keyringTestDir : join(layout.home, "keyring-file");
}

export type OpenKeyringOptions = FileKeyringOptions & {
  /** KDF cost of armored exports from the test backend. */
  readonly scrypt?: ScryptParams;
};

/** Opens the keyring of a home directory: `test` (unencrypted) or `file` (encrypted). */
export function openKeyring(home: string, backend = "test", opts: OpenKeyringOptions = {}): Keyring {
  if (backend === "test") return new TestKeyring(keyringDir(home, "test"), opts.scrypt);
  if (backend === "file") return new FileKeyring(keyringDir(home, "file"), opts);
  throw new KeyringError(
    "KEYRING_BACKEND_UNKNOWN",
    `unknown keyring backend ${JSON.stringify(backend)} (available: ${KEYRING_BACKENDS.join(", ")})`,
  );
}
