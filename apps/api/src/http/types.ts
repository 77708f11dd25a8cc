import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import type { LiveBus } from '../live/bus.ts';
import type { StreamHub } from '../live/stream-hub.ts';
import type { KeyedThrottle } from '../live/throttle.ts';
import type { EncryptionKeys } from '../scm/token-keys.ts';
import type { Metrics } from './metrics.ts';
import type { IngestSlots } from './ingest-slots.ts';
import type { Store } from 'hono-rate-limiter';

/** Live runs' fan-out: the bus between processes, and this process's SSE clients. */
export interface LiveServices {
  bus: LiveBus;
  hub: StreamHub;
  /** Spaces out a run's progress announcements to its project's stream. */
  progress: KeyedThrottle;
}

/** Everything the app needs, resolved once at start and passed in (tests build their own). */
export interface AppDeps {
  config: Config;
  database: Database;
  logger: Logger;
  /** The admin token in force (from ADMIN_TOKEN, or generated for embedded mode). */
  adminToken: string;
  /** When this process started, for uptime. */
  startedAt: Date;
  /** The current time: windows, ageing and start-time checks read it, so tests can move it. */
  now: () => Date;
  live: LiveServices;
  /** ENCRYPTION_KEY's keyring, which seals and opens provider tokens; null when unset (no
   *  integration can then be created). */
  encryptionKeys: EncryptionKeys | null;
  /** This process's metrics (server.ts shares them with the outbox worker); created with the app
   *  when not given. */
  metrics?: Metrics;
  /** Set while the server stops: GET /ready answers 503 so load balancers move away. */
  lifecycle?: { readonly draining: boolean };
  /** Where the rate limits count (memory or Redis); default in memory, on `now`. */
  rateLimits?: RateLimitStores;
  /** The ingests this process runs at once; from INGEST_CONCURRENCY when not given. */
  ingestSlots?: IngestSlots;
}

/** The limits of DESIGN.md §8, each counted apart. */
export type LimitName = 'uploads' | 'ingest' | 'reads' | 'admin' | 'logins';

/** Where the limits count (see rate-limit-stores.ts). */
export interface RateLimitStores {
  /** A store of its own for one limit; answers reset times on the app's clock. */
  storeFor(name: LimitName): Store<AppEnv>;
  close(): Promise<void>;
}

/** A dashboard login the caller presented instead of a token: it may read, never write. */
export interface PrincipalSession {
  id: string;
  expiresAt: Date;
}

/** Who is calling: the operator, or a project's CI; `session` when through a dashboard login. */
export type Principal =
  | { kind: 'admin'; session?: PrincipalSession }
  | { kind: 'project'; projectId: string; session?: PrincipalSession };

export interface AppEnv {
  Variables: {
    deps: AppDeps;
    requestId: string;
    logger: Logger;
    principal: Principal;
    metrics: Metrics;
    /** Aborted at the request's deadline (requests with a time budget only). */
    signal: AbortSignal | undefined;
  };
}
