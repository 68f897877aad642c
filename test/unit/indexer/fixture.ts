/** Shared by the indexer tests: temp databases and tx results with rich events. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AbciEvent, ExecTxResult } from "../../../src/abci/types.js";
import { toHex } from "../../../src/codec/bytes.js";
import { decodeTx } from "../../../src/types/tx.js";

const dirs: string[] = [];

/** A fresh `tx_index.db` path in a temp dir (removed by `removeTempDbs`). */
export function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), "dccn-indexer-"));
  dirs.push(dir);
  return join(dir, "tx_index.db");
}

export function removeTempDbs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export const attr = (key: string, value: string, index = true) => ({ key, value, index });

/** transfer events (sender, recipient, amount = 10·height + index) and a task event per tx. */
export function richResult(tx: Uint8Array, index: number, height: number): ExecTxResult {
  const sender = toHex(decodeTx(tx).sender);
  const events: AbciEvent[] = [
    {
      type: "transfer",
      attributes: [
        attr("sender", sender),
        attr("recipient", `r${height}`),
        attr("amount", `${10 * height + index}ankr`),
        attr("memo", "secret", false),
      ],
    },
    { type: "task", attributes: [attr("id", `task-${height}-${index}`)] },
  ];
  // Height 4's first tx carries a second transfer from another sender with a big amount, and a
  // third from its own sender with a small one (one sender, two events of one tx).
  if (height === 4 && index === 0) {
    events.push({ type: "transfer", attributes: [attr("sender", "other"), attr("amount", "1000")] });
    events.push({ type: "transfer", attributes: [attr("sender", sender), attr("amount", "7")] });
  }
  return {
    code: height === 5 ? 3 : 0,
    codespace: "",
    log: "",
    info: "",
    data: new Uint8Array(0),
    gasWanted: 1,
    gasUsed: 1,
    events,
  };
}
