/**
 * Gas. The schedule (chain parameters, see params.ts) is deliberately simple and fixed per tx:
 *
 *   intrinsic gas = txBaseGas + txByteGas × (tx size in bytes)      — charged before the msg runs
 *   msg gas       = msgGas[typeUrl] ?? the handler's default          — e.g. MsgSend: 20,000
 *
 * A tx declares gasLimit and gasPrice; the sender must hold gasLimit × gasPrice up front, and
 * pays gasUsed × gasPrice to the fee collector. A tx whose gasLimit does not cover its intrinsic
 * gas is rejected outright (not included, nothing charged); a msg that runs out of gas fails,
 * uses the whole gasLimit and pays for it.
 */
import { AppError } from "./codes.js";

export class GasMeter {
  private usedGas = 0;

  constructor(readonly limit: number) {}

  get used(): number {
    return this.usedGas;
  }

  get remaining(): number {
    return this.limit - this.usedGas;
  }

  /** Consumes `amount`; beyond the limit, uses everything and throws OUT_OF_GAS. */
  consume(amount: number, what: string): void {
    if (amount > this.limit - this.usedGas) {
      const needed = this.usedGas + amount;
      this.usedGas = this.limit;
      throw new AppError(
        "OUT_OF_GAS",
        `out of gas: ${what} needs ${needed} gas in total, gas limit is ${this.limit}`,
        {
          needed,
          limit: this.limit,
        },
      );
    }
    this.usedGas += amount;
  }
}
