// Events: a type plus string attributes, indexed by the node (emitted only if the call succeeds).
import { utf8 } from "./bytes";
import { emit_event } from "./dccn";

export class Event {
  private parts: Uint8Array[] = [];
  private size: i32 = 0;

  constructor(type: string) {
    this.push(type);
  }

  private push(text: string): void {
    const b = utf8(text);
    this.parts.push(b);
    this.size += 4 + b.length;
  }

  attr(key: string, value: string): Event {
    this.push(key);
    this.push(value);
    return this;
  }

  emit(): void {
    const out = new Uint8Array(this.size);
    let off = 0;
    for (let i = 0; i < this.parts.length; i++) {
      const p = this.parts[i];
      store<u32>(out.dataStart + <usize>off, <u32>p.length);
      out.set(p, off + 4);
      off += 4 + p.length;
    }
    emit_event(out.dataStart, out.length);
  }
}
