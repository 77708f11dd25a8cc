import { Hono } from 'hono';
import { z } from 'zod';
import { requireViewer } from '../http/auth.ts';
import type { AppEnv } from '../http/types.ts';
import { validate } from '../http/validate.ts';
import { listQuarantinedTests } from '../db/queries/quarantine.ts';
import { windowStartDay } from '../domain/window.ts';
import { grepInvertPattern } from '../flakiness/quarantine.ts';
import { readableProject } from './project-param.ts';

export const quarantineRoutes = new Hono<AppEnv>();

/** Active flaky tests, for CI: `npx playwright test --grep-invert "$(… | jq -r .grepInvert)"`. */
quarantineRoutes.get('/projects/:project/quarantine', requireViewer(), async (c) => {
  const project = await readableProject(c);
  validate(z.strictObject({}), c.req.query(), 'query parameters');
  const { database, config, now } = c.get('deps');
  const rows = await listQuarantinedTests(database.read, project.id, {
    startDay: windowStartDay(config.FLAKE_WINDOW_DAYS, now()),
    days: config.FLAKE_WINDOW_DAYS,
  });
  return c.json({
    items: rows.map((r) => ({
      testId: r.testId,
      title: r.title,
      titlePath: r.titlePath,
      file: r.file,
      projectName: r.projectName,
      flakeRate: r.flakeRate,
      firstDetectedAt: r.firstDetectedAt?.toISOString() ?? null,
      lastFlakyAt: r.lastFlakyAt?.toISOString() ?? null,
    })),
    nextCursor: null,
    grepInvert: grepInvertPattern(rows),
  });
});
