import { describe, expect, it } from 'vitest';
import { monthsBefore } from './start-time.ts';

describe('monthsBefore', () => {
  it('keeps the time of day and the day of the month', () => {
    expect(monthsBefore(new Date('2026-12-02T02:43:26.500Z'), 12).toISOString()).toBe(
      '2025-12-02T02:43:26.500Z',
    );
    expect(monthsBefore(new Date('2026-01-15T00:00:00Z'), 3).toISOString()).toBe(
      '2025-10-15T00:00:00.000Z',
    );
  });

  it('lands on the last day of a shorter month', () => {
    expect(monthsBefore(new Date('2026-03-31T12:00:00Z'), 1).toISOString()).toBe(
      '2026-02-28T12:00:00.000Z',
    );
    expect(monthsBefore(new Date('2025-03-31T12:00:00Z'), 13).toISOString()).toBe(
      '2024-02-29T12:00:00.000Z',
    );
  });
});
