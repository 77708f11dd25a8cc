import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import type { Logger } from '../logger.ts';

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
}

/** Who is calling: the operator, or a project's CI. */
export type Principal = { kind: 'admin' } | { kind: 'project'; projectId: string };

export interface AppEnv {
  Variables: {
    deps: AppDeps;
    requestId: string;
    logger: Logger;
    principal: Principal;
  };
}
