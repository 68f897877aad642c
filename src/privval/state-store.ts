/** Where the last-sign state lives: a crash-safe JSON file, or memory (tests, simulations). */
import { mkdir, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { errorMessage } from "../errors.js";
import { writeFileAtomic } from "./atomic-file.js";
import { PrivvalError } from "./errors.js";
import {
  decodeSignState,
  encodeSignState,
  INITIAL_SIGN_STATE,
  type LastSignState,
} from "./last-sign-state.js";

export interface LastSignStore {
  load(): Promise<LastSignState>;
  /** Must be durable when it resolves: a signature is released only afterwards. */
  save(state: LastSignState): Promise<void>;
}

/** `priv_validator_state.json`; a missing file starts from the initial state and is created. */
export class FileLastSignStore implements LastSignStore {
  constructor(readonly path: string) {}

  async load(): Promise<LastSignState> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") {
        await mkdir(dirname(this.path), { recursive: true }).catch(() => undefined); // save() reports failures
        await this.save(INITIAL_SIGN_STATE);
        return INITIAL_SIGN_STATE;
      }
      throw new PrivvalError(
        "PRIVVAL_STATE_IO",
        `cannot read ${this.path}: ${errorMessage(err)}`,
        { path: this.path },
        { cause: err },
      );
    }
    return decodeSignState(text, this.path);
  }

  async save(state: LastSignState): Promise<void> {
    try {
      await writeFileAtomic(this.path, encodeSignState(state));
    } catch (err) {
      throw new PrivvalError(
        "PRIVVAL_STATE_IO",
        `cannot persist the last-sign state to ${this.path}: ${errorMessage(err)}`,
        { path: this.path },
        { cause: err },
      );
    }
  }
}

/** Keeps the state in memory only (no crash safety): for tests and in-process simulations. */
export class MemoryLastSignStore implements LastSignStore {
  constructor(private state: LastSignState = INITIAL_SIGN_STATE) {}

  async load(): Promise<LastSignState> {
    return this.state;
  }

  async save(state: LastSignState): Promise<void> {
    this.state = state;
  }
}
