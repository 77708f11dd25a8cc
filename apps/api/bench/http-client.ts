import { Agent, request as httpRequest } from 'node:http';

/**
 * The load generator's HTTP client: node:http on keep-alive connections, the body read whole.
 * The generator shares the machine's two cores with the server and PostgreSQL, and every
 * millisecond its own loop is busy is added to the latencies it measures; `fetch` (undici, with
 * web streams, and a tee to read a body twice) cost it about twice the CPU for the same requests.
 */

export interface HttpAnswer {
  status: number;
  body: Buffer;
  json<T>(): T;
  text(): string;
}

export interface HttpRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Refused with an error named TimeoutError after this long (default 60 s). */
  timeoutMs?: number;
}

// No cap on connections (as undici's): in an outage the server holds requests for their time
// budget, and a capped pool would queue the next ones here, adding to their measured latency.
const agent = new Agent({ keepAlive: true });

export async function send(url: string, init: HttpRequest = {}): Promise<HttpAnswer> {
  try {
    return await sendOnce(url, init);
  } catch (error) {
    // A kept-alive connection the server closed just as this request went out on it (its idle
    // timeout): the request never reached it, so it goes again on a new connection, as Node's
    // documentation of `request.reusedSocket` advises.
    if ((error as { reusedSocket?: boolean }).reusedSocket) return sendOnce(url, init);
    throw error;
  }
}

function sendOnce(url: string, init: HttpRequest): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...init.headers };
    if (init.body !== undefined) headers['content-length'] = Buffer.byteLength(init.body);
    const req = httpRequest(url, { method: init.method ?? 'GET', headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({
          status: res.statusCode ?? 0,
          body,
          json: <T>() => JSON.parse(body.toString('utf8')) as T,
          text: () => body.toString('utf8'),
        });
      });
    });
    req.setTimeout(init.timeoutMs ?? 60_000, () => {
      const error = new Error(`no answer from ${url} in time`);
      error.name = 'TimeoutError';
      req.destroy(error);
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (req.reusedSocket && error.code === 'ECONNRESET')
        Object.assign(error, { reusedSocket: true });
      reject(error);
    });
    req.end(init.body);
  });
}
