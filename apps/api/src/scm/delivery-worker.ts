import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { claimDelivery, finishDelivery } from '../db/queries/deliveries.ts';
import { sendDelivery, type DeliverySettings } from './send-delivery.ts';

export interface DeliveryWorker {
  /** Sends every delivery due now, one after another; returns how many were sent. */
  runOnce(): Promise<number>;
  /** Stops polling and waits for the send in progress (a drained outbox worker). */
  stop(): Promise<void>;
}

export interface DeliveryWorkerOptions extends DeliverySettings {
  now: () => Date;
  /** How often the outbox is looked at; 0: never on its own (tests call runOnce). */
  pollMs: number;
  /** How long a claimed delivery stays this worker's: longer than any send can take. */
  leaseMs: number;
  /** Told how each send ended (metrics). */
  onFinished?: (result: string) => void;
}

/**
 * The outbox's background sender: claims due deliveries (several API processes may run one each;
 * the claim's locks keep them from sending one delivery, or writing one pull request, twice),
 * sends them, and records how each ended. Ingestion never waits on it.
 */
export function startDeliveryWorker(options: DeliveryWorkerOptions): DeliveryWorker {
  const { sql, logger, now } = options;
  // One owner per claim: a lease names the send that holds it, not just the process.
  const workerId = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  let claims = 0;
  let stopped = false;
  let running: Promise<number> | null = null;

  const sendDue = async (): Promise<number> => {
    let sent = 0;
    while (!stopped) {
      const owner = `${workerId}:${++claims}`;
      const delivery = await claimDelivery(sql, owner, now(), options.leaseMs);
      if (!delivery) break;
      const { result, comment } = await sendDelivery(options, delivery, now());
      const recorded = await finishDelivery(sql, delivery, owner, result, now(), comment);
      sent += 1;
      options.onFinished?.(result.kind);
      logger.info(
        {
          deliveryId: delivery.id,
          runId: delivery.runId,
          provider: delivery.provider,
          pr: delivery.pr,
          attempt: delivery.attempts,
          result: result.kind,
          ...(result.kind === 'delivered'
            ? {}
            : { reason: 'reason' in result ? result.reason : result.error }),
          ...(recorded ? {} : { lostLease: true }),
        },
        'pull request delivery',
      );
    }
    return sent;
  };

  /** One pass at a time: a tick that finds a pass running joins it. */
  const runOnce = (): Promise<number> => {
    running ??= sendDue().finally(() => {
      running = null;
    });
    return running;
  };

  const timer =
    options.pollMs > 0
      ? setInterval(() => {
          runOnce().catch((error: unknown) =>
            logger.warn({ err: error }, 'pull request deliveries not sent this time'),
          );
        }, options.pollMs)
      : null;
  timer?.unref();

  return {
    runOnce,
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await running?.catch(() => 0);
    },
  };
}
