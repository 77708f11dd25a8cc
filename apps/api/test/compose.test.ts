import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseDockerfile, repoRoot } from './dockerfile.ts';

/**
 * docker-compose.yml (production) and docker-compose.override.yml (development) against the
 * Compose Specification's JSON schema (fixtures/compose-spec), then what the schema cannot say:
 * every interpolated variable is documented in .env.example, no secret is written in the files,
 * builds name existing Dockerfiles, every service has a healthcheck, and each service waits for
 * the one it needs to be healthy.
 */

interface Service {
  image?: string;
  build?: { context?: string; dockerfile?: string; target?: string };
  environment?: Record<string, string | number>;
  ports?: string[];
  depends_on?: Record<string, { condition?: string }>;
  healthcheck?: { test?: string[] };
}
interface ComposeFile {
  services: Record<string, Service>;
}

const schema = JSON.parse(
  readFileSync(new URL('./fixtures/compose-spec/compose-spec.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;
const read = (name: string) => readFileSync(path.join(repoRoot, name), 'utf8');
const files = ['docker-compose.yml', 'docker-compose.override.yml'];
const production = parse(read('docker-compose.yml')) as ComposeFile;
const development = parse(read('docker-compose.override.yml')) as ComposeFile;

describe('docker compose files', () => {
  it.each(files)('%s is valid against the Compose Specification', (name) => {
    // Ajv's default class is draft-07, the schema's draft (named by an https URL Ajv does not know).
    const { $schema, ...draft07 } = schema;
    expect($schema).toMatch(/json-schema\.org\/draft-07\/schema/);
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(draft07);
    const valid = validate(parse(read(name)));
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('documents every interpolated variable in .env.example', () => {
    const documented = new Set(
      [...read('.env.example').matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]),
    );
    for (const name of files) {
      const used = [...read(name).matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]);
      for (const variable of used) expect(documented, `${name}: ${variable}`).toContain(variable);
    }
  });

  it('writes no secret: passwords, tokens and keys come from .env', () => {
    for (const file of [production, development]) {
      for (const [service, { environment = {} }] of Object.entries(file.services)) {
        for (const [key, value] of Object.entries(environment)) {
          const text = String(value);
          if (/PASSWORD|TOKEN|SECRET|_KEY$/.test(key)) {
            expect(text, `${service}.${key}`).toMatch(/^\$\{[A-Z0-9_]+:\?[^}]+\}$/);
          }
          // A URL's credentials are interpolated too.
          const userinfo = /^[a-z]+:\/\/([^@/]*)@/.exec(text)?.[1];
          if (userinfo?.includes(':')) expect(userinfo, `${service}.${key}`).toMatch(/:\$\{/);
        }
      }
    }
  });

  it('builds the images from the Dockerfiles of the repository, and the dev services from their build stage', () => {
    for (const [name, service] of Object.entries(production.services)) {
      if (!service.build) {
        expect(service.image, name).toMatch(/^postgres:16/);
        continue;
      }
      const dockerfile = path.join(
        repoRoot,
        service.build.context ?? '.',
        service.build.dockerfile ?? 'Dockerfile',
      );
      expect(existsSync(dockerfile), dockerfile).toBe(true);
      const stages = parseDockerfile(readFileSync(dockerfile, 'utf8'));
      // The container port published is the one the image exposes and listens on.
      const exposed = stages.at(-1)?.instructions.find((i) => i.keyword === 'EXPOSE')?.args;
      expect(service.ports?.[0]?.split(':').at(-1), name).toBe(exposed);
      expect(String(service.environment?.PORT), name).toBe(exposed);
      const target = development.services[name]?.build?.target;
      if (target)
        expect(
          stages.map((stage) => stage.name),
          name,
        ).toContain(target);
    }
  });

  it('gives every service a healthcheck, and starts each after the one it needs is healthy', () => {
    for (const [name, service] of Object.entries(production.services)) {
      expect(service.healthcheck?.test?.length, name).toBeGreaterThan(0);
    }
    const { db, api, dashboard } = production.services;
    expect(db?.healthcheck?.test).toContain('pg_isready');
    expect(api?.healthcheck?.test?.join(' ')).toContain('/ready');
    expect(api?.depends_on?.db?.condition).toBe('service_healthy');
    expect(String(api?.environment?.DATABASE_URL)).toMatch(/@db:5432\//);
    expect(dashboard?.depends_on?.api?.condition).toBe('service_healthy');
    expect(dashboard?.environment?.API_URL).toBe(`http://api:${api?.environment?.PORT}`);
    expect(api?.environment?.SERVE_DASHBOARD).toBe('false');
  });
});
