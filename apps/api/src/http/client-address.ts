import type { Context } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { AppEnv } from './types.ts';

/**
 * The bindings the dashboard's in-process calls carry (see dashboard.ts): they have no socket, and
 * the dashboard names its visitor's address in X-Forwarded-For, which only it can set there.
 */
export const IN_PROCESS_CALL = 'flackynessInProcess';

/** The rightmost-but-(n−1) address of X-Forwarded-For: the one the nth trusted proxy saw. */
function forwardedAddress(c: Context<AppEnv>, hops: number): string | undefined {
  const header = c.req.header('x-forwarded-for');
  if (!header || hops < 1) return undefined;
  const addresses = header
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  return addresses[addresses.length - hops];
}

function socketAddress(c: Context<AppEnv>): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined; // no socket: app.request, or the dashboard in process
  }
}

/**
 * Who is calling, for the per-address limits: the socket's peer, or, behind TRUST_PROXY proxies,
 * the address the outermost trusted one saw. A client's own X-Forwarded-For is never believed
 * beyond those hops, so it cannot pick its own key.
 */
export function clientAddress(c: Context<AppEnv>, trustProxy: number): string {
  const socket = socketAddress(c);
  if (socket !== undefined) {
    return (trustProxy > 0 ? forwardedAddress(c, trustProxy) : undefined) ?? socket;
  }
  const env = c.env as Record<string, unknown> | undefined;
  if (env?.[IN_PROCESS_CALL] === true) return forwardedAddress(c, 1) ?? 'in-process';
  return 'unknown';
}
