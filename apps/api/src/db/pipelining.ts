/**
 * Helpers for sending several statements of one transaction before waiting for the first: the
 * server runs them in the order sent, with no round trip in between (postgres.js pipelines the
 * queries of a transaction).
 */

/**
 * Marks a promise as handled, so that one left behind when the transaction failed elsewhere first
 * is not an unhandled rejection; whoever awaits it still gets its error.
 */
export function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

/**
 * Resolves once the statements already queued are written to the connection: postgres.js sends
 * them from a microtask, which synchronous work started now would hold back.
 */
export function sent(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
