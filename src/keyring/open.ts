import { homeLayout } from "../config/home.js";
import { TestKeyring } from "./test-backend.js";
import { type Keyring, KeyringError } from "./types.js";

export const KEYRING_BACKENDS = ["test"] as const;

/** Opens the keyring of a home directory. Only the `test` backend exists so far. */
export function openKeyring(home: string, backend = "test"): Keyring {
  if (backend === "test") return new TestKeyring(homeLayout(home).keyringTestDir);
  throw new KeyringError(
    "KEYRING_BACKEND_UNKNOWN",
    `unknown keyring backend ${JSON.stringify(backend)} (available: ${KEYRING_BACKENDS.join(", ")})`,
  );
}
