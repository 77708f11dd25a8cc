import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticReport } from '../../bench/synthetic-report.ts';
import {
  adminHeaders,
  createProject,
  startTestApp,
  uploadReport,
  type TestApp,
} from '../../test/harness.ts';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

/** Metric names a scrape exposes, as PromQL may name them (a histogram's series too). */
function exposedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name as string);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
    if (type === 'summary') for (const s of ['_sum', '_count']) names.add(name + s);
  }
  return names;
}

/** The metric names in a PromQL expression: identifiers left once label matchers, grouping
 *  clauses, ranges, strings and numbers are taken out, and that are not function calls. */
function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const keywords = new Set([
    'by',
    'without',
    'on',
    'ignoring',
    'and',
    'or',
    'unless',
    'offset',
    'bool',
  ]);
  return [...stripped.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\()?/g)]
    .filter((m) => !m[2] && !keywords.has(m[1] as string))
    .map((m) => m[1] as string);
}

describe('GET /metrics', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { METRICS_TOKEN } });
  });
  afterAll(async () => {
    await t?.close();
  });

  const scrape = async () => {
    const response = await t.request('/metrics', {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return response.text();
  };

  it('requires METRICS_TOKEN when it is set', async () => {
    expect((await t.request('/metrics')).status).toBe(401);
    const wrong = await t.request('/metrics', { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: { code: 'unauthorized' } });
    const open = await startTestApp();
    try {
      expect((await open.request('/metrics')).status).toBe(200);
    } finally {
      await open.close();
    }
  });

  it('counts requests by route pattern, never the raw path', async () => {
    await t.request('/api/v1/runs/424242', { headers: adminHeaders(t) });
    await t.request('/no/such/path/123');
    const text = await scrape();
    expect(text).toMatch(
      /flackyness_http_requests_total\{route="\/api\/v1\/runs\/:runId",method="GET",status="404"\} 1/,
    );
    expect(text).toMatch(
      /flackyness_http_requests_total\{route="unmatched",method="GET",status="404"\} 1/,
    );
    expect(text).not.toContain('/runs/424242');
    expect(text).toMatch(
      /flackyness_http_request_duration_seconds_bucket\{le="0\.005",route="\/api\/v1\/runs\/:runId"/,
    );
  });

  it('counts stored reports and results, and reads the database gauges', async () => {
    const { token } = await createProject(t);
    const report = syntheticReport({ tests: 30, startTime: new Date(), runIndex: 1 });
    expect((await uploadReport(t, token, report)).status).toBe(201);
    // The same report again changes nothing, and is not counted.
    expect((await uploadReport(t, token, report)).status).toBe(200);
    const text = await scrape();
    expect(text).toMatch(/^flackyness_uploads_total\{source="upload"\} 1$/m);
    expect(text).toMatch(/^flackyness_results_ingested_total\{source="upload"\} 30$/m);
    expect(text).toMatch(/^flackyness_ingest_duration_seconds_count\{source="upload"\} 1$/m);
    expect(text).toMatch(/^flackyness_database_up 1$/m);
    expect(text).toMatch(/^flackyness_outbox_depth \d+$/m);
    expect(text).toMatch(/^flackyness_live_sessions_running \d+$/m);
    expect(text).toMatch(/^flackyness_sse_clients 0$/m);
    expect(text).toMatch(/^flackyness_ingests_running 0$/m);
    expect(text).toMatch(/^flackyness_ingests_waiting 0$/m);
    expect(text).toMatch(/^flackyness_database_pool_open_connections [1-9]\d*$/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds /m);
  });

  it('keeps each app on a registry of its own', async () => {
    const other = await startTestApp();
    try {
      await other.request('/health');
      const text = await (await other.request('/metrics')).text();
      expect(text).toMatch(/route="\/health",method="GET",status="200"\} 1$/m);
      expect(text).not.toContain('flackyness_uploads_total{');
    } finally {
      await other.close();
    }
  });

  it('backs every panel of the Grafana dashboard', async () => {
    const dashboard = JSON.parse(
      readFileSync(new URL('../../../../deploy/grafana/flackyness.json', import.meta.url), 'utf8'),
    ) as {
      __inputs: { name: string }[];
      panels: { title: string; datasource: { uid: string }; targets: { expr: string }[] }[];
    };
    expect(dashboard.__inputs.map((i) => i.name)).toContain('DS_PROMETHEUS');
    const exposed = exposedNames(await scrape());
    const unknown: string[] = [];
    let named = 0;
    for (const panel of dashboard.panels) {
      expect(panel.datasource.uid).toBe('${DS_PROMETHEUS}');
      expect(panel.targets.length).toBeGreaterThan(0);
      for (const { expr } of panel.targets) {
        const names = metricNamesIn(expr);
        expect(names.length, `${panel.title}: ${expr}`).toBeGreaterThan(0);
        named += names.length;
        for (const name of names) if (!exposed.has(name)) unknown.push(`${panel.title}: ${name}`);
      }
    }
    expect(unknown).toEqual([]);
    expect(named).toBeGreaterThan(15);
    // The check itself catches a misspelt metric.
    expect(metricNamesIn('sum(rate(flakyness_http_requests_total{status=~"5.."}[5m]))')).toEqual([
      'flakyness_http_requests_total',
    ]);
  });
});
