import { createServer } from 'node:http';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CapturedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (the raw text when it was not JSON). */
  body: unknown;
}

export interface PlannedAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** What to answer: an answer, 'hang' (never answer), or undefined for the default. */
export type Plan = (request: CapturedRequest, index: number) => PlannedAnswer | 'hang' | undefined;

export interface CaptureServer {
  url: string;
  requests: CapturedRequest[];
  /** Requests to one endpoint ('setup', 'event', 'teardown'). */
  requestsTo(endpoint: 'setup' | 'event' | 'teardown'): CapturedRequest[];
  close(): Promise<void>;
}

/**
 * A stand-in for the Flackyness ingest API that records every request: setup answers 201 with a
 * session, event 202, teardown 200 with the run — unless `plan` says otherwise.
 */
export async function startCaptureServer(plan: Plan = () => undefined): Promise<CaptureServer> {
  const requests: CapturedRequest[] = [];
  const hanging = new Set<ServerResponse>();
  let url = '';
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // kept as text
      }
      const request: CapturedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
      };
      const index = requests.push(request) - 1;
      const planned = plan(request, index);
      if (planned === 'hang') {
        hanging.add(res);
        return;
      }
      const answer = planned ?? defaultAnswer(request, url);
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    requestsTo: (endpoint) =>
      requests.filter((request) => request.path === `/api/v1/ingest/${endpoint}`),
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function defaultAnswer(request: CapturedRequest, url: string): PlannedAnswer {
  switch (request.path) {
    case '/api/v1/ingest/setup':
      return { status: 201, body: { sessionId: 'session-1', runId: '1', url: `${url}/runs/1` } };
    case '/api/v1/ingest/event':
      return { status: 202, body: {} };
    case '/api/v1/ingest/teardown':
      return {
        status: 200,
        body: { run: { id: '1', status: 'failed', url: `${url}/runs/1` }, url: `${url}/runs/1` },
      };
    default:
      return { status: 404, body: { error: { code: 'not_found', message: 'Not found' } } };
  }
}
