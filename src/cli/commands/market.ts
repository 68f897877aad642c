/**
 * The DCCN marketplace from the command line (issue 7):
 *
 *   dccn tx provider register --name N --region R [--tags a,b]
 *   dccn tx provider add-instance|update-instance --instance ID --cpu 4000m --memory 8Gi
 *        [--disk 100Gi] [--bandwidth 1G] [--gpu 1] --price-cpu 1000 --price-memory 1 [...] [--region] [--tags]
 *   dccn tx provider availability ID on|off
 *   dccn tx provider retire [--instance ID]          (no --instance: the provider and all instances)
 *   dccn tx task submit --kind job|service --cpu … --memory … --duration SEC --max-price AMOUNT
 *        [--replicas N] [--app-provider ADDR --app-fee-bps N] [--region R] [--tags a,b] [--min-reputation 0.5]
 *   dccn tx task cancel|ack|complete ID,  dccn tx task fail ID [--reason TEXT]
 *   dccn tx meter report ID --start S --end E --cpu … --memory …   (usage in unit·seconds)
 *   dccn tx rate ID SCORE                               (0..100, after completion)
 *   dccn query providers | provider ADDR | tasks [--status --tenant --provider] | task ID
 *   dccn query task-usage ID | reputation ADDR | escrow [ID] | market-params
 *
 * Every command signs with --from KEY; gas is automatic unless --gas is given. `--output json`
 * prints one JSON value: {hash, code, height, gas_used[, task_id][, log]} for txs, the query's
 * JSON for queries.
 */
import { type Command, InvalidArgumentError, Option } from "commander";
import { formatAnkr, parseAmount } from "../../client/amount.js";
import {
  MarketClient,
  type MarketMsgKind,
  type MarketMsgs,
  type MarketTxOutcome,
  type ProviderJson,
  parsePrices,
  parseResources,
  type ResourcesJson,
  type TaskJson,
} from "../../client/market.js";
import { parseAddress } from "../../crypto/address.js";
import { RESOURCE_KINDS, type ResourceKind } from "../../dccn-app/market/resources.js";
import {
  type CliContext,
  clientOf,
  keyringOf,
  nonNegativeInt,
  positiveInt,
  withCommon,
  withNode,
} from "../context.js";
import { EXIT_FAILURE, usageError } from "../errors.js";
import { emit } from "../io.js";
import { type QueryCliOptions, type TxCliOptions, txCommand, txOptionsOf } from "../tx-command.js";
import { requireSubcommand } from "./keys.js";

type ResourceOptions = Partial<Record<ResourceKind, string>>;
type PriceOptions = Partial<Record<`price${Capitalize<ResourceKind>}`, string>>;

interface InstanceOptions extends TxCliOptions, ResourceOptions, PriceOptions {
  instance: string;
  region?: string;
  tags?: string[];
}

interface SubmitOptions extends TxCliOptions, ResourceOptions {
  kind: "service" | "job";
  replicas: number;
  duration: number;
  maxPrice: string;
  appProvider?: string;
  appFeeBps?: number;
  region?: string;
  tags?: string[];
  minReputation?: bigint;
}

const UNITS: Readonly<Record<ResourceKind, string>> = {
  cpu: "millicores: 2500, 2500m or 2.5cpu",
  memory: "bytes: 4Gi, 512Mi, 4G or plain bytes",
  disk: "bytes: 100Gi, 1Ti, …",
  bandwidth: "bit/s: 100M, 1G, 1Gbps",
  gpu: "devices",
};

const USAGE_UNITS: Readonly<Record<ResourceKind, string>> = {
  cpu: "millicore-seconds",
  memory: "byte-seconds (suffixes as for memory)",
  disk: "byte-seconds",
  bandwidth: "bits",
  gpu: "gpu-seconds",
};

const cap = (k: ResourceKind) => `${k[0]!.toUpperCase()}${k.slice(1)}` as Capitalize<ResourceKind>;

const tagsArg = (value: string): string[] => value.split(",").filter((t) => t !== "");

function taskIdArg(value: string): number {
  if (!/^[1-9][0-9]{0,15}$/.test(value))
    throw new InvalidArgumentError("must be a task id (a positive integer)");
  return Number(value);
}

function scoreArg(value: string): number {
  const n = Number(value);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(value) || n > 100)
    throw new InvalidArgumentError("must be an integer 0..100");
  return n;
}

/** "0.5" → 0.5 × 10^18 (the chain's fixed-point reputation). */
function fractionArg(value: string): bigint {
  const m = /^(0|[1-9][0-9]*)(?:\.([0-9]{1,18}))?$/.exec(value);
  if (m === null) throw new InvalidArgumentError("must be a decimal number such as 0.5");
  return BigInt(m[1]!) * 10n ** 18n + BigInt((m[2] ?? "").padEnd(18, "0"));
}

function withResources(cmd: Command, units: Readonly<Record<ResourceKind, string>>): Command {
  for (const k of RESOURCE_KINDS) cmd.option(`--${k} <quantity>`, `${k} (${units[k]})`);
  return cmd;
}

function withPrices(cmd: Command): Command {
  for (const k of RESOURCE_KINDS) {
    cmd.option(`--price-${k} <amount>`, `base units (or "…ankr") per ${k} unit per second`);
  }
  return cmd;
}

function withInstance(cmd: Command): Command {
  return withPrices(
    withResources(cmd.requiredOption("--instance <id>", "instance id (unique per provider)"), UNITS),
  )
    .option("--region <region>", "region (default: the provider's)")
    .option("--tags <a,b>", "tags (default: the provider's)", tagsArg);
}

const resourcesOf = (opts: ResourceOptions) =>
  parseResources(
    Object.fromEntries(RESOURCE_KINDS.flatMap((k) => (opts[k] === undefined ? [] : [[k, opts[k]]]))),
  );

const pricesOf = (opts: PriceOptions) =>
  parsePrices(
    Object.fromEntries(
      RESOURCE_KINDS.flatMap((k) => {
        const v = opts[`price${cap(k)}`];
        return v === undefined ? [] : [[k, v]];
      }),
    ),
  );

const resourcesText = (r: ResourcesJson): string =>
  RESOURCE_KINDS.filter((k) => r[k] !== "0")
    .map((k) => `${k} ${r[k]}`)
    .join(", ") || "none";

function taskText(t: TaskJson): string {
  return [
    `task ${t.id}: ${t.status} (${t.kind}, ${t.replicas} × ${resourcesText(t.demand)})`,
    `tenant:    ${t.tenant}`,
    `provider:  ${t.provider === "" ? "-" : `${t.provider} / ${t.instance}`}`,
    `price:     ${t.price_per_sec} base units/s (max ${t.max_price_per_sec})`,
    `escrow:    ${formatAnkr(BigInt(t.escrow))} of ${formatAnkr(BigInt(t.escrow_locked))} ANKR left`,
    `paid:      provider ${t.paid_provider}, app ${t.paid_app}, platform ${t.paid_platform}; refunded ${t.refunded}`,
    `metered:   ${t.metered_sec} s in ${t.reports} reports; attempts ${t.attempts}`,
  ].join("\n");
}

function providerText(p: ProviderJson): string {
  const lines = [
    `provider ${p.address} "${p.name}" (${p.region}${p.tags.length > 0 ? `; ${p.tags.join(", ")}` : ""})${p.retired ? " retired" : ""}`,
    `stake:          ${formatAnkr(BigInt(p.stake))} ANKR`,
    `service level:  ${(p.service_level_ppm / 10_000).toFixed(2)}%`,
    `reputation:     ${p.reputation.score} (completed ${p.reputation.completed_deals} of ${p.reputation.finished_deals})`,
    `instances:      ${p.instances_available} available of ${p.instances_total}`,
  ];
  for (const i of p.instances ?? []) {
    lines.push(
      `  ${i.id}: ${i.retired ? "retired" : i.available ? "available" : "unavailable"}, capacity ${resourcesText(i.capacity)}, used ${resourcesText(i.used)}`,
    );
  }
  return lines.join("\n");
}

export function registerMarket(program: Command, ctx: CliContext): void {
  const io = ctx.deps.io;
  const group = (name: string): Command => {
    const found = program.commands.find((c) => c.name() === name);
    if (found === undefined) throw new Error(`the "${name}" command group must be registered first`);
    return found;
  };
  const marketOf = (opts: QueryCliOptions) => new MarketClient(clientOf(ctx, opts));
  const send = async <K extends MarketMsgKind>(
    opts: TxCliOptions,
    kind: K,
    msg: MarketMsgs[K],
    ok: string,
  ) => {
    const key = await keyringOf(ctx, opts).getSigner(opts.from);
    const r: MarketTxOutcome = await marketOf(opts).send(key, kind, msg, txOptionsOf(opts));
    const json = {
      hash: r.hash,
      code: r.code,
      height: r.height,
      gas_used: r.gasUsed,
      ...(r.taskId === undefined ? {} : { task_id: r.taskId }),
      ...(r.code === 0 ? {} : { log: r.log, codespace: r.codespace }),
    };
    emit(io, opts.output, json, () =>
      r.code === 0
        ? `${r.taskId === undefined ? ok : `${ok}: task ${r.taskId}`} (tx ${r.hash}, height ${r.height})`
        : `tx ${r.hash} included at height ${r.height} but failed (code ${r.code}): ${r.log}`,
    );
    if (r.code !== 0) ctx.setExitCode(EXIT_FAILURE);
  };
  const query = (cmd: Command) => withNode(withCommon(cmd));

  // --- txs ------------------------------------------------------------------------------------
  const tx = group("tx");
  const provider = tx
    .command("provider")
    .description("register as a resource provider and manage node instances");
  requireSubcommand(provider, "dccn tx provider");

  txCommand(provider, "register", "register the signer as a provider (a data centre or an edge miner)")
    .requiredOption("--name <name>", "display name")
    .requiredOption("--region <region>", "region, e.g. eu-west")
    .option("--tags <a,b>", "free-form tags", tagsArg)
    .action((opts: TxCliOptions & { name: string; region: string; tags?: string[] }) =>
      send(
        opts,
        "registerProvider",
        { name: opts.name, region: opts.region, tags: opts.tags ?? [] },
        "provider registered",
      ),
    );

  const instanceMsg = (opts: InstanceOptions) => ({
    instanceId: opts.instance,
    capacity: resourcesOf(opts),
    prices: pricesOf(opts),
    region: opts.region ?? "",
    tags: opts.tags ?? [],
  });
  withInstance(
    txCommand(provider, "add-instance", "offer a node instance: its capacity and unit prices"),
  ).action((opts: InstanceOptions) =>
    send(opts, "addInstance", instanceMsg(opts), `instance ${opts.instance} added`),
  );
  withInstance(
    txCommand(provider, "update-instance", "replace an instance's capacity, prices, region and tags"),
  ).action((opts: InstanceOptions) =>
    send(opts, "updateInstance", instanceMsg(opts), `instance ${opts.instance} updated`),
  );

  txCommand(provider, "availability", "mark an instance available (on) or not (off) for new placements")
    .argument("<instance>", "instance id")
    .argument("<state>", "on or off")
    .action((instance: string, state: string, opts: TxCliOptions) => {
      if (state !== "on" && state !== "off")
        throw usageError(`availability is "on" or "off", got "${state}"`);
      return send(
        opts,
        "setAvailability",
        { instanceId: instance, available: state === "on" },
        `instance ${instance} ${state}`,
      );
    });

  txCommand(
    provider,
    "retire",
    "retire an instance, or without --instance the provider and all its instances",
  )
    .option("--instance <id>", "the instance to retire")
    .action((opts: TxCliOptions & { instance?: string }) =>
      send(
        opts,
        "retire",
        { instanceId: opts.instance ?? "" },
        opts.instance ? `instance ${opts.instance} retired` : "provider retired",
      ),
    );

  const task = tx.command("task").description("submit and drive tasks");
  requireSubcommand(task, "dccn tx task");
  withResources(
    txCommand(task, "submit", "submit a task; its maximum cost is locked in escrow until it ends"),
    UNITS,
  )
    .addOption(
      new Option("--kind <kind>", "service (runs until stopped) or job")
        .choices(["service", "job"])
        .default("job"),
    )
    .option("--replicas <n>", "replicas (the demand is per replica)", positiveInt, 1)
    .requiredOption(
      "--duration <seconds>",
      "a job's running time, or the lease a service prepays",
      positiveInt,
    )
    .requiredOption(
      "--max-price <amount>",
      "ceiling on the whole task's price per second (base units or …ankr)",
    )
    .option("--app-provider <address>", "application provider that takes an app fee")
    .option(
      "--app-fee-bps <bps>",
      "the app provider's fee, basis points of the resource cost",
      nonNegativeInt,
    )
    .option("--region <region>", "only instances in this region")
    .option("--tags <a,b>", "only instances with all these tags", tagsArg)
    .option(
      "--min-reputation <score>",
      "only providers with at least this reputation score (e.g. 0.5)",
      fractionArg,
    )
    .action((opts: SubmitOptions) => {
      const msg: MarketMsgs["submitTask"] = {
        kind: opts.kind,
        demand: resourcesOf(opts),
        replicas: opts.replicas,
        durationSec: opts.duration,
        maxPricePerSec: parseAmount(opts.maxPrice),
        appProvider: opts.appProvider === undefined ? new Uint8Array(0) : parseAddress(opts.appProvider),
        appFeeBps: opts.appFeeBps ?? 0,
        region: opts.region ?? "",
        tags: opts.tags ?? [],
        minReputation: opts.minReputation ?? 0n,
      };
      return send(opts, "submitTask", msg, "task submitted");
    });

  const simple: [MarketMsgKind & ("cancelTask" | "ackTask" | "completeTask"), string, string, string][] = [
    ["cancelTask", "cancel", "cancel your task; the unused escrow comes back", "cancelled"],
    ["ackTask", "ack", "acknowledge a task placed on your instance; it starts running", "acknowledged"],
    [
      "completeTask",
      "complete",
      "complete a running task (tenant or provider); the rest of the escrow is refunded",
      "completed",
    ],
  ];
  for (const [kind, name, description, done] of simple) {
    txCommand(task, name, description)
      .argument("<task-id>", "task id", taskIdArg)
      .action((taskId: number, opts: TxCliOptions) => send(opts, kind, { taskId }, `task ${taskId} ${done}`));
  }
  txCommand(task, "fail", "report a task on your instance failed: it is redeployed elsewhere")
    .argument("<task-id>", "task id", taskIdArg)
    .option("--reason <text>", "why it failed", "")
    .action((taskId: number, opts: TxCliOptions & { reason: string }) =>
      send(opts, "failTask", { taskId, reason: opts.reason }, `task ${taskId} reported failed`),
    );

  const meter = tx.command("meter").description("report metered usage");
  requireSubcommand(meter, "dccn tx meter");
  withResources(
    txCommand(
      meter,
      "report",
      "report a running task's usage for [start, end); it is paid from escrow at once",
    ),
    USAGE_UNITS,
  )
    .argument("<task-id>", "task id", taskIdArg)
    .requiredOption("--start <seconds>", "period start, block-time seconds (unix)", nonNegativeInt)
    .requiredOption("--end <seconds>", "period end (exclusive)", nonNegativeInt)
    .action((taskId: number, opts: TxCliOptions & ResourceOptions & { start: number; end: number }) =>
      send(
        opts,
        "reportUsage",
        { taskId, periodStart: opts.start, periodEnd: opts.end, usage: resourcesOf(opts) },
        `usage of task ${taskId} for [${opts.start}, ${opts.end}) settled`,
      ),
    );

  txCommand(tx, "rate", "rate the other party of a completed task, 0..100, once")
    .argument("<task-id>", "task id", taskIdArg)
    .argument("<score>", "0..100", scoreArg)
    .action((taskId: number, score: number, opts: TxCliOptions) =>
      send(opts, "rate", { taskId, score }, `task ${taskId} rated ${score}`),
    );

  // --- queries --------------------------------------------------------------------------------
  const q = group("query");
  query(q.command("providers").description("registered providers"))
    .option("--limit <n>", "at most this many", positiveInt)
    .option("--after <address>", "only providers after this address (paging)")
    .action(async (opts: QueryCliOptions & { limit?: number; after?: string }) => {
      const r = await marketOf(opts).providers({
        ...(opts.limit === undefined ? {} : { limit: opts.limit }),
        ...(opts.after === undefined ? {} : { after: opts.after }),
      });
      emit(io, opts.output, r, () =>
        r.providers.length === 0
          ? "no providers"
          : r.providers
              .map(
                (p) =>
                  `${p.address}\t${p.name}\t${p.region}\tSL ${(p.service_level_ppm / 10_000).toFixed(2)}%\tstake ${formatAnkr(BigInt(p.stake))}`,
              )
              .join("\n"),
      );
    });

  query(q.command("provider").description("a provider: instances, stake, reputation, service level"))
    .argument("<address>", "ankr1… address")
    .action(async (address: string, opts: QueryCliOptions) => {
      const p = await marketOf(opts).provider(address);
      emit(io, opts.output, p, () => providerText(p));
    });

  query(q.command("tasks").description("tasks, filtered by status, tenant or provider"))
    .option("--status <status>", "pending, scheduled, running, completed, failed, cancelled or expired")
    .option("--tenant <address>", "only this tenant's tasks")
    .option("--provider <address>", "only tasks placed with this provider")
    .option("--limit <n>", "at most this many (default 100)", positiveInt)
    .option("--after <id>", "only tasks with a larger id (paging)", positiveInt)
    .action(
      async (
        opts: QueryCliOptions & {
          status?: string;
          tenant?: string;
          provider?: string;
          limit?: number;
          after?: number;
        },
      ) => {
        const r = await marketOf(opts).tasks({
          ...(opts.status === undefined ? {} : { status: opts.status }),
          ...(opts.tenant === undefined ? {} : { tenant: opts.tenant }),
          ...(opts.provider === undefined ? {} : { provider: opts.provider }),
          ...(opts.limit === undefined ? {} : { limit: opts.limit }),
          ...(opts.after === undefined ? {} : { after: opts.after }),
        });
        emit(io, opts.output, r, () =>
          r.tasks.length === 0
            ? "no tasks"
            : r.tasks.map((t) => `${t.id}\t${t.status}\t${t.tenant}\t${t.provider || "-"}`).join("\n"),
        );
      },
    );

  query(q.command("task").description("one task"))
    .argument("<task-id>", "task id", taskIdArg)
    .action(async (id: number, opts: QueryCliOptions) => {
      const t = await marketOf(opts).task(id);
      emit(io, opts.output, t, () => taskText(t));
    });

  query(q.command("task-usage").description("a task's accepted usage periods and what each cost"))
    .argument("<task-id>", "task id", taskIdArg)
    .action(async (id: number, opts: QueryCliOptions) => {
      const r = await marketOf(opts).usage(id);
      emit(io, opts.output, r, () =>
        r.periods.length === 0
          ? `task ${id}: no usage reported`
          : r.periods
              .map((p) => `[${p.start}, ${p.end})\tcharge ${p.charge}\tprovider ${p.to_provider}`)
              .join("\n"),
      );
    });

  query(
    q
      .command("reputation")
      .description("an account's reputation as consumer, app provider and resource provider"),
  )
    .argument("<address>", "ankr1… address")
    .action(async (address: string, opts: QueryCliOptions) => {
      const r = await marketOf(opts).reputation(address);
      emit(io, opts.output, r, () =>
        [
          `account: ${r.address}`,
          `consumer:          ${r.consumer === null ? "-" : `score ${r.consumer.score}, credit ${r.consumer_credit_ppm} ppm`}`,
          `app provider:      ${r.app_provider === null ? "-" : `score ${r.app_provider.score}`}`,
          `resource provider: ${r.resource_provider === null ? "-" : `score ${r.resource_provider.score}`}${r.provider_service_level_ppm === null ? "" : `, service level ${r.provider_service_level_ppm} ppm`}`,
        ].join("\n"),
      );
    });

  query(q.command("escrow").description("a task's escrow, or the market's escrow and platform accounts"))
    .argument("[task-id]", "task id", taskIdArg)
    .action(async (id: number | undefined, opts: QueryCliOptions) => {
      const market = marketOf(opts);
      if (id === undefined) {
        const r = await market.escrow();
        emit(io, opts.output, r, () =>
          [
            `escrow:   ${formatAnkr(BigInt(r.escrow_balance))} ANKR (${r.escrow_account})`,
            `platform: ${formatAnkr(BigInt(r.platform_balance))} ANKR (${r.platform_account})`,
            `minted rewards: ${formatAnkr(BigInt(r.minted))} ANKR`,
          ].join("\n"),
        );
        return;
      }
      const r = await market.escrow(id);
      emit(
        io,
        opts.output,
        r,
        () => `task ${id} (${r.status}): locked ${r.locked}, left ${r.remaining}, refunded ${r.refunded}`,
      );
    });

  query(q.command("market-params").description("the marketplace's chain parameters")).action(
    async (opts: QueryCliOptions) => {
      const r = await marketOf(opts).params();
      emit(io, opts.output, r, () => JSON.stringify(r, null, 2));
    },
  );
}
