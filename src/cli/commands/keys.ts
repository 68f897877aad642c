/**
 * `dccn keys …`: the keyring. `--keyring-backend test` (default) keeps seeds unencrypted under
 * <home>/keyring-test; `file` encrypts each under its own password in <home>/keyring-file.
 * Backups: the seed as hex, as 24 words, or an armored export encrypted with its own password.
 */
import { type Command, Option } from "commander";
import { looksArmored } from "../../keyring/armor.js";
import type { KeyInfo, Keyring } from "../../keyring/types.js";
import { type CliContext, type KeyringOptions, keyringOf, withCommon, withKeyring } from "../context.js";
import { usageError } from "../errors.js";
import { emit, type OutputFormat } from "../io.js";
import { EXPORT_PASSWORD_ENV, exportPassword } from "../passwords.js";

interface KeyOptions extends KeyringOptions {
  output: OutputFormat;
  address?: boolean;
  format?: "auto" | "hex" | "mnemonic" | "armor";
  exportPasswordFile?: string;
}

const infoText = (k: KeyInfo): string =>
  [`name: ${k.name}`, `address: ${k.address}`, `pubkey: ${k.pubkey}`].join("\n");
const infoJson = (k: KeyInfo) => ({ name: k.name, address: k.address, pubkey: k.pubkey });

function leaf(group: Command, name: string, description: string): Command {
  return withKeyring(withCommon(group.command(name).description(description)));
}

const exportPasswordOption = () =>
  new Option(
    "--export-password-file <file>",
    `armor: the export's password is the first line of <file> (or set ${EXPORT_PASSWORD_ENV})`,
  );

/** What kind of backup `secret` is. */
function detectFormat(secret: string): "hex" | "mnemonic" | "armor" {
  if (looksArmored(secret)) return "armor";
  if (/^(0x)?[0-9a-fA-F]+$/.test(secret.trim())) return "hex";
  return "mnemonic";
}

async function importSecret(
  ctx: CliContext,
  keyring: Keyring,
  name: string,
  secret: string,
  opts: KeyOptions,
): Promise<KeyInfo> {
  const format = opts.format === undefined || opts.format === "auto" ? detectFormat(secret) : opts.format;
  switch (format) {
    case "hex":
      return keyring.import(name, secret);
    case "mnemonic":
      return keyring.importMnemonic(name, secret);
    case "armor":
      return keyring.importArmored(name, secret, await exportPassword(ctx, opts, "unlock", name));
  }
}

export function registerKeys(program: Command, ctx: CliContext): Command {
  const io = ctx.deps.io;
  const keys = program
    .command("keys")
    .description("manage keys: --keyring-backend test (unencrypted, default) or file (encrypted)");

  leaf(keys, "add", "create a key from a fresh random seed")
    .argument("<name>", "key name (letters, digits, . _ -)")
    .action(async (name: string, opts: KeyOptions) => {
      const keyring = keyringOf(ctx, opts);
      const info = await keyring.add(name);
      const note =
        keyring.backend === "test"
          ? "the seed is stored unencrypted (test keyring)"
          : "the seed is stored encrypted (file keyring)";
      emit(
        io,
        opts.output,
        infoJson(info),
        () => `${infoText(info)}\n\n${note}; back it up with: dccn keys export ${name} --format mnemonic`,
      );
    });

  leaf(keys, "list", "list all keys").action(async (opts: KeyOptions) => {
    const all = await keyringOf(ctx, opts).list();
    emit(io, opts.output, all.map(infoJson), () =>
      all.length === 0 ? "no keys" : all.map((k) => `${k.name}\t${k.address}`).join("\n"),
    );
  });

  leaf(keys, "show", "show a key's address and public key")
    .argument("<name>", "key name")
    .option("-a, --address", "print only the address (text output)")
    .action(async (name: string, opts: KeyOptions) => {
      const info = await keyringOf(ctx, opts).show(name);
      emit(io, opts.output, infoJson(info), () => (opts.address === true ? info.address : infoText(info)));
    });

  leaf(
    keys,
    "export",
    "print a key's backup: its seed as hex (default), as 24 words, or armored and encrypted",
  )
    .argument("<name>", "key name")
    .addOption(
      new Option(
        "--format <format>",
        "hex: the 32-byte seed; mnemonic: 24 BIP39 words; armor: encrypted text",
      )
        .choices(["hex", "mnemonic", "armor"])
        .default("hex"),
    )
    .addOption(exportPasswordOption())
    .action(async (name: string, opts: KeyOptions) => {
      const keyring = keyringOf(ctx, opts);
      const info = await keyring.show(name);
      let secret: string;
      let field: "seed" | "mnemonic" | "armor";
      if (opts.format === "mnemonic") {
        field = "mnemonic";
        secret = await keyring.exportMnemonic(name);
      } else if (opts.format === "armor") {
        field = "armor";
        secret = await keyring.exportArmored(name, await exportPassword(ctx, opts, "new", name));
      } else {
        field = "seed";
        secret = await keyring.exportSeed(name);
      }
      emit(io, opts.output, { name: info.name, address: info.address, [field]: secret }, () =>
        secret.trimEnd(),
      );
    });

  leaf(
    keys,
    "import",
    "store a key from a backup (hex seed, 24 words or armored export); read from stdin when omitted",
  )
    .argument("<name>", "key name")
    .argument("[secret]", "64 hex characters, or the 24 words in quotes")
    .addOption(
      new Option("--format <format>", "what the backup is (auto: recognise it)")
        .choices(["auto", "hex", "mnemonic", "armor"])
        .default("auto"),
    )
    .addOption(exportPasswordOption())
    .action(async (name: string, secretArg: string | undefined, opts: KeyOptions) => {
      const secret = secretArg ?? (await io.readStdin());
      if (secret.trim() === "") throw usageError("no backup given: pass it as an argument or on stdin");
      const info = await importSecret(ctx, keyringOf(ctx, opts), name, secret, opts);
      emit(io, opts.output, infoJson(info), () => infoText(info));
    });

  leaf(keys, "delete", "delete a key (the file keyring asks for its password)")
    .argument("<name>", "key name")
    .action(async (name: string, opts: KeyOptions) => {
      const info = await keyringOf(ctx, opts).delete(name);
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
