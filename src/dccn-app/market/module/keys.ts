/**
 * State layout of the market module. Everything lives under "market/"; values are proto messages
 * of proto/dccn/market/v1/market.proto. Numbers in keys are big-endian u64, so keys sort by them.
 *
 *   market/params                                   Params
 *   market/next_task                                u64 id the next task gets (from 1)
 *   market/minted                                   Amount  reward units minted so far
 *   market/provider/<provider 20>                   Provider
 *   market/inst/<provider 20><instance id utf8>     Instance
 *   market/task/<id u64>                            Task
 *   market/period/<id u64><start u64>               UsagePeriod   accepted usage reports
 *   market/rep/<role 1><account 20>                 Reputation    (role: 1 consumer, 2 app, 3 resource)
 *   market/alloc/<provider 20><tenant 20>           Resources     what a tenant's placed tasks hold
 *                                                                 at a provider (WDRF across blocks)
 *   market/epoch/<role 1><account 20>               EpochActivity reward factors of this epoch
 * Secondary indexes (value: one byte), so EndBlock and queries never scan all tasks:
 *   market/pq/<tenant 20><since u64><id u64>        pending tasks per tenant, oldest first
 *   market/pown/<tenant 20>                         u64 count of the tenant's pending tasks
 *   market/ackq/<deadline height u64><id u64>       scheduled tasks awaiting acknowledgement
 *   market/due/<deadline time s u64><id u64>        pending / running tasks by expiry time
 *   market/st/<status 1><id u64>                    tasks by status
 *   market/by-tenant/<tenant 20><id u64>            tasks by tenant
 *   market/by-provider/<provider 20><id u64>        tasks by placement (current or last)
 *
 * Money: a task's escrow sits in the ESCROW module account, so its balance always equals the sum
 * of the escrow of unfinished tasks. The platform's share of every deal goes to PLATFORM.
 */
import { concatBytes, readU64be, u64be, utf8 } from "../../../codec/bytes.js";
import { ADDRESS_SIZE, moduleAddress } from "../../../crypto/address.js";
import type { TaskStatus } from "../lifecycle.js";
import type { ReputationRole } from "../reputation.js";

export const ESCROW_ACCOUNT: Uint8Array = moduleAddress("market_escrow");
export const PLATFORM_ACCOUNT: Uint8Array = moduleAddress("market_platform");

const p = (s: string) => utf8(`market/${s}`);

export const PARAMS_KEY = p("params");
export const NEXT_TASK_KEY = p("next_task");
export const MINTED_KEY = p("minted");
export const PROVIDER_PREFIX = p("provider/");
export const INSTANCE_PREFIX = p("inst/");
export const TASK_PREFIX = p("task/");
export const PERIOD_PREFIX = p("period/");
export const REPUTATION_PREFIX = p("rep/");
export const ALLOC_PREFIX = p("alloc/");
export const EPOCH_PREFIX = p("epoch/");
export const PENDING_PREFIX = p("pq/");
export const PENDING_OWNER_PREFIX = p("pown/");
export const ACK_QUEUE_PREFIX = p("ackq/");
export const DUE_PREFIX = p("due/");
export const STATUS_PREFIX = p("st/");
export const BY_TENANT_PREFIX = p("by-tenant/");
export const BY_PROVIDER_PREFIX = p("by-provider/");

export const MARK = Uint8Array.of(1);

export const ROLE_BYTE: Readonly<Record<ReputationRole, number>> = {
  consumer: 1,
  appProvider: 2,
  resourceProvider: 3,
};

export const STATUS_BYTE: Readonly<Record<TaskStatus, number>> = {
  pending: 1,
  scheduled: 2,
  running: 3,
  completed: 4,
  failed: 5,
  cancelled: 6,
  expired: 7,
};

export const providerKey = (provider: Uint8Array) => concatBytes(PROVIDER_PREFIX, provider);
export const instancePrefixOf = (provider: Uint8Array) => concatBytes(INSTANCE_PREFIX, provider);
export const instanceKey = (provider: Uint8Array, id: string) =>
  concatBytes(INSTANCE_PREFIX, provider, utf8(id));
export const taskKey = (id: number) => concatBytes(TASK_PREFIX, u64be(id));
export const periodPrefixOf = (id: number) => concatBytes(PERIOD_PREFIX, u64be(id));
export const periodKey = (id: number, start: number) => concatBytes(PERIOD_PREFIX, u64be(id), u64be(start));
export const reputationKey = (role: ReputationRole, account: Uint8Array) =>
  concatBytes(REPUTATION_PREFIX, Uint8Array.of(ROLE_BYTE[role]), account);
export const allocKey = (provider: Uint8Array, tenant: Uint8Array) =>
  concatBytes(ALLOC_PREFIX, provider, tenant);
export const epochKey = (role: ReputationRole, account: Uint8Array) =>
  concatBytes(EPOCH_PREFIX, Uint8Array.of(ROLE_BYTE[role]), account);
export const pendingPrefixOf = (tenant: Uint8Array) => concatBytes(PENDING_PREFIX, tenant);
export const pendingKey = (tenant: Uint8Array, since: number, id: number) =>
  concatBytes(PENDING_PREFIX, tenant, u64be(since), u64be(id));
export const pendingOwnerKey = (tenant: Uint8Array) => concatBytes(PENDING_OWNER_PREFIX, tenant);
export const ackQueueKey = (deadline: number, id: number) =>
  concatBytes(ACK_QUEUE_PREFIX, u64be(deadline), u64be(id));
export const dueKey = (deadline: number, id: number) => concatBytes(DUE_PREFIX, u64be(deadline), u64be(id));
export const statusPrefixOf = (status: TaskStatus) =>
  concatBytes(STATUS_PREFIX, Uint8Array.of(STATUS_BYTE[status]));
export const statusKey = (status: TaskStatus, id: number) => concatBytes(statusPrefixOf(status), u64be(id));
export const byTenantPrefixOf = (tenant: Uint8Array) => concatBytes(BY_TENANT_PREFIX, tenant);
export const byTenantKey = (tenant: Uint8Array, id: number) =>
  concatBytes(BY_TENANT_PREFIX, tenant, u64be(id));
export const byProviderPrefixOf = (provider: Uint8Array) => concatBytes(BY_PROVIDER_PREFIX, provider);
export const byProviderKey = (provider: Uint8Array, id: number) =>
  concatBytes(BY_PROVIDER_PREFIX, provider, u64be(id));

/** The task id in the last 8 bytes of an index key. */
export const idAtEnd = (key: Uint8Array): number => Number(readU64be(key.subarray(key.length - 8)));

/** The u64 right after `prefix` (the deadline of an ackq/due key). */
export const u64After = (key: Uint8Array, prefix: Uint8Array): number =>
  Number(readU64be(key.subarray(prefix.length, prefix.length + 8)));

/** The 20-byte address right after `prefix` (plus an optional 1-byte role). */
export const addressAfter = (key: Uint8Array, prefix: Uint8Array, skip = 0): Uint8Array =>
  key.slice(prefix.length + skip, prefix.length + skip + ADDRESS_SIZE);
