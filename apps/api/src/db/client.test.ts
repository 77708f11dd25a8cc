import { describe, expect, it } from 'vitest';
import { isSingleTcpHost } from './client.ts';

describe('isSingleTcpHost', () => {
  it('is true for one TCP host only', () => {
    expect(isSingleTcpHost('postgres://postgres@127.0.0.1:5432/flackyness')).toBe(true);
    expect(isSingleTcpHost('postgres://u:p@db.internal/flackyness?sslmode=require')).toBe(true);
    expect(isSingleTcpHost('postgres://postgres@/flackyness?host=/var/run/postgresql')).toBe(false);
    expect(isSingleTcpHost('postgres://u@a:5432,b:5432/flackyness')).toBe(false);
    expect(isSingleTcpHost('postgres://u@a,b/flackyness')).toBe(false);
  });
});
