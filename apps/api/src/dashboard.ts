import { existsSync } from 'node:fs';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { getRequestListener } from '@hono/node-server';
import type { Config } from './config.ts';
import { IN_PROCESS_CALL } from './http/client-address.ts';

/**
 * One port for the API and the dashboard: paths the API owns go to the Hono app, every other path
 * to the dashboard's SvelteKit handler (its adapter-node build), loaded at start when it exists.
 * The dashboard's server-side reads reach the API in process, through a fetch function handed over
 * on a global symbol, so they cost no loopback socket; run as two services, it uses API_URL.
 */

const API_PATH = /^\/(?:api\/|health$|ready$|metrics$|\.well-known\/)/;

/** Where the dashboard's server code looks for the in-process API (see apps/dashboard api.ts). */
const API_FETCH = Symbol.for('flackyness.apiFetch');

type NodeHandler = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;
export type DashboardHandler = NodeHandler;

export function dashboardBuildDir(config: Config): string {
  return config.DASHBOARD_DIR
    ? resolve(config.DASHBOARD_DIR)
    : fileURLToPath(new URL('../../dashboard/build', import.meta.url));
}

/**
 * The header this listener sets on every page request to tell the dashboard its scheme. adapter-node
 * assumes https unless told (its ORIGIN or PROTOCOL_HEADER settings), and SvelteKit refuses form
 * posts whose Origin differs from the page's, so a plain-http start could not log in.
 */
const PROTOCOL_HEADER = 'x-flackyness-protocol';

/** The dashboard's request handler, or undefined when it is turned off or not built. */
export async function loadDashboard(config: Config): Promise<DashboardHandler | undefined> {
  if (!config.SERVE_DASHBOARD) return undefined;
  const file = join(dashboardBuildDir(config), 'handler.js');
  if (!existsSync(file)) return undefined;
  // Read by adapter-node when its handler is imported; an operator's ORIGIN still comes first.
  process.env.PROTOCOL_HEADER ??= PROTOCOL_HEADER;
  // The visitor's address, which the dashboard names to the API (rate limits), read as the API
  // reads it: through the same TRUST_PROXY hops of X-Forwarded-For.
  if (config.TRUST_PROXY > 0) {
    process.env.ADDRESS_HEADER ??= 'x-forwarded-for';
    process.env.XFF_DEPTH ??= String(config.TRUST_PROXY);
  }
  const module = (await import(pathToFileURL(file).href)) as { handler: NodeHandler };
  // The public URL's scheme when one is set (TLS ends at a proxy in front), else the socket's.
  const publicProtocol = config.PUBLIC_URL
    ? new URL(config.PUBLIC_URL).protocol.slice(0, -1)
    : null;
  return (req, res, next) => {
    const encrypted = (req.socket as { encrypted?: boolean }).encrypted === true;
    // Always overwritten: a client's own value of this header means nothing.
    req.headers[PROTOCOL_HEADER] = publicProtocol ?? (encrypted ? 'https' : 'http');
    module.handler(req, res, next);
  };
}

/** The listener for the one port; without a dashboard, the API answers every path. */
export function createListener(
  fetchApi: (request: Request, env?: Record<string, unknown>) => Response | Promise<Response>,
  dashboard: DashboardHandler | undefined,
): RequestListener {
  const api = getRequestListener(fetchApi);
  if (!dashboard) return api;
  // Marked as the dashboard's own calls: their X-Forwarded-For is the dashboard's word, not a client's.
  (globalThis as Record<symbol, unknown>)[API_FETCH] = (request: Request) =>
    fetchApi(request, { [IN_PROCESS_CALL]: true });
  return (req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    if (API_PATH.test(path)) {
      void api(req, res);
      return;
    }
    dashboard(req, res, () => void api(req, res));
  };
}
