/**
 * The load side of bench:live (b), in a process of its own so that it does not share the server's
 * event loop: opens CLIENTS SSE streams on one run, then posts batches of log events (each batch
 * stamped with its send time) at RATE batches/s for SECONDS, and measures, for every client and
 * batch, the time from just before the POST to the batch's last event arriving. Prints one JSON line.
 *
 * argv: baseUrl token sessionId runId clients rate batchSize seconds
 */
import { performance } from 'node:perf_hooks';

const [baseUrl, token, sessionId, runId, ...numbers] = process.argv.slice(2) as string[];
const [clients, rate, batchSize, seconds] = numbers.map(Number) as [number, number, number, number];
const headers = { authorization: `Bearer ${token}` };

const sentAt = new Map<number, number>();
const latencies: number[] = [];
let delivered = 0;
const STAMP = /"chunk":"b=(\d+);e=(\d+)/;

async function client(ready: () => void): Promise<void> {
  const response = await fetch(`${baseUrl}/api/v1/runs/${runId}/stream`, { headers });
  if (!response.body) throw new Error('no stream');
  ready();
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const message = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (!message.includes('event: log')) continue;
      delivered++;
      const match = STAMP.exec(message);
      // The batch's last event: the batch has arrived whole.
      if (match && Number(match[2]) === batchSize - 1) {
        const sent = sentAt.get(Number(match[1]));
        if (sent !== undefined) latencies.push(performance.now() - sent);
      }
    }
  }
}

async function post(seq: number): Promise<void> {
  const events = Array.from({ length: batchSize }, (_, e) => ({
    type: 'log',
    stream: 'stdout',
    chunk: `b=${seq};e=${e} \u001b[32mok\u001b[39m a line of test output\n`,
  }));
  sentAt.set(seq, performance.now());
  const response = await fetch(`${baseUrl}/api/v1/ingest/event`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ sessionId, seq, events }),
  });
  if (response.status !== 202) throw new Error(`event ${seq}: ${response.status}`);
  await response.arrayBuffer();
}

async function main(): Promise<void> {
  let connected = 0;
  await new Promise<void>((all) => {
    for (let i = 0; i < clients; i++) {
      void client(() => {
        if (++connected === clients) all();
      }).catch((error: unknown) => {
        process.stderr.write(`client failed: ${String(error)}\n`);
        process.exit(1);
      });
    }
  });
  // Let the catch-up replays end before the clock starts.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const batches = rate * seconds;
  const began = performance.now();
  const posts: Promise<void>[] = [];
  for (let seq = 0; seq < batches; seq++) {
    const due = began + (seq * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    posts.push(post(seq));
  }
  await Promise.all(posts);
  const expected = batches * clients;
  const deadline = performance.now() + 30_000;
  while (latencies.length < expected && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const elapsed = (performance.now() - began) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  process.stdout.write(
    `${JSON.stringify({
      clients,
      batches,
      eventsPosted: batches * batchSize,
      eventsDelivered: delivered,
      expectedDeliveries: batches * batchSize * clients,
      batchesComplete: latencies.length,
      expectedBatches: expected,
      seconds: elapsed,
      p50: at(0.5),
      p99: at(0.99),
      max: latencies.at(-1) ?? NaN,
    })}\n`,
  );
  process.exit(0);
}

void main();
