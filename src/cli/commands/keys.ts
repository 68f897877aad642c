/** `dccn keys …`: the development (test) keyring. */
import type { Command } from "commander";
import type { KeyInfo } from "../../keyring/types.js";
import { type CliContext, keyringOf, withCommon, withKeyring } from "../context.js";
import { usageError } from "../errors.js";
import { emit, type OutputFormat } from "../io.js";

interface KeyOptions {
  home?: string;
  output: OutputFormat;
  keyringBackend?: string;
  address?: boolean;
}

const infoText = (k: KeyInfo): string =>
  [`name: ${k.name}`, `address: ${k.address}`, `pubkey: ${k.pubkey}`].join("\n");
const infoJson = (k: KeyInfo) => ({ name: k.name, address: k.address, pubkey: k.pubkey });

function leaf(group: Command, name: string, description: string): Command {
  return withKeyring(withCommon(group.command(name).description(description)));
}

export function registerKeys(program: Command, ctx: CliContext): Command {
  const io = ctx.deps.io;
  const keys = program
    .command("keys")
    .description("manage keys (the test keyring keeps them unencrypted under <home>/keyring-test)");

  leaf(keys, "add", "create a key from a fresh random seed")
    .argument("<name>", "key name (letters, digits, . _ -)")
    .action(async (name: string, opts: KeyOptions) => {
      const info = await keyringOf(opts).add(name);
      emit(
        io,
        opts.output,
        infoJson(info),
        () => `${infoText(info)}\n\nthe seed is stored unencrypted (test keyring)`,
      );
    });

  leaf(keys, "list", "list all keys").action(async (opts: KeyOptions) => {
    const all = await keyringOf(opts).list();
    emit(io, opts.output, all.map(infoJson), () =>
      all.length === 0 ? "no keys" : all.map((k) => `${k.name}\t${k.address}`).join("\n"),
    );
  });

  leaf(keys, "show", "show a key's address and public key")
    .argument("<name>", "key name")
    .option("-a, --address", "print only the address (text output)")
    .action(async (name: string, opts: KeyOptions) => {
      const info = await keyringOf(opts).show(name);
      emit(io, opts.output, infoJson(info), () => (opts.address === true ? info.address : infoText(info)));
    });

  leaf(keys, "export", "print a key's 32-byte seed as hex (keep it secret)")
    .argument("<name>", "key name")
    .action(async (name: string, opts: KeyOptions) => {
      const keyring = keyringOf(opts);
      const info = await keyring.show(name);
      const seed = await keyring.exportSeed(name);
      emit(io, opts.output, { name: info.name, address: info.address, seed }, () => seed);
    });

  leaf(keys, "import", "store a key from a seed (hex); the seed is read from stdin when omitted")
    .argument("<name>", "key name")
    .argument("[seed]", "64 hex characters")
    .action(async (name: string, seedArg: string | undefined, opts: KeyOptions) => {
      const seed = seedArg ?? (await io.readStdin()).trim();
      const info = await keyringOf(opts).import(name, seed);
      emit(io, opts.output, infoJson(info), () => infoText(info));
    });

  leaf(keys, "delete", "delete a key")
    .argument("<name>", "key name")
    .action(async (name: string, opts: KeyOptions) => {
      const info = await keyringOf(opts).delete(name);
      emit(
        io,
        opts.output,
        { ...infoJson(info), deleted: true },
        () => `deleted key ${info.name} (${info.address})`,
      );
    });

  return keys;
}

/** A command group given no or an unknown sub-command fails with one line instead of its help. */
export function requireSubcommand(group: Command, path: string): void {
  group.allowExcessArguments().action((_opts: unknown, cmd: Command) => {
    const given = cmd.args[0];
    const names = group.commands.map((c) => c.name()).join("|");
    throw usageError(
      given === undefined
        ? `missing command: ${path} <${names}> (see ${path} --help)`
        : `unknown command ${JSON.stringify(given)} for ${path} (expected one of ${names})`,
    );
  });
}
