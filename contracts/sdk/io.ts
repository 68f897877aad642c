// Entry-point input and output. Convention: every exported `function name(): void` is a method;
// it reads its arguments with `args()` and answers with `returnJson` / `returnString`.
import { fromUtf8, utf8 } from "./bytes";
import { debug_log, input_len, input_read, return_data } from "./dccn";
import { JsonObject, JsonWriter } from "./json";

export function inputBytes(): Uint8Array {
  const out = new Uint8Array(input_len());
  if (out.length > 0) input_read(out.dataStart);
  return out;
}

export function inputString(): string {
  return fromUtf8(inputBytes());
}

/** The call's arguments as a JSON object (empty input = no arguments). */
export function args(): JsonObject {
  return JsonObject.parse(inputString());
}

export function returnBytes(data: Uint8Array): void {
  return_data(data.dataStart, data.length);
}

export function returnString(text: string): void {
  returnBytes(utf8(text));
}

export function returnJson(writer: JsonWriter): void {
  returnString(writer.build());
}

/** A line for the node's debug log (costs gas; never affects state). */
export function log(message: string): void {
  const b = utf8(message);
  debug_log(b.dataStart, b.length);
}

/** Fails the call with `message`: state changes are rolled back, gas used is still paid. */
export function fail(message: string): void {
  throw new Error(message);
}

/** Fails the call with `message` unless `condition` holds. */
export function require(condition: bool, message: string): void {
  if (!condition) throw new Error(message);
}
