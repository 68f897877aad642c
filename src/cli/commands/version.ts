import type { Command } from "commander";
import { VERSION } from "../../node/version.js";
import { type CliContext, withCommon } from "../context.js";
import { emit, type OutputFormat } from "../io.js";

export function registerVersion(program: Command, ctx: CliContext): void {
  withCommon(program.command("version").description("print the version")).action(
    (opts: { output: OutputFormat }) => {
      emit(ctx.deps.io, opts.output, { version: VERSION, node: process.versions.node }, () => VERSION);
    },
  );
}
