/** A report that is not what Playwright writes, or holds what cannot be stored; nothing is stored. */
export class InvalidReportError extends Error {
  constructor(
    readonly issues: readonly { path: readonly PropertyKey[]; message: string; keys?: string[] }[],
  ) {
    super('invalid Playwright JSON report');
  }
}
