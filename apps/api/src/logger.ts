import pino from 'pino';

export type Logger = pino.Logger;

/**
 * Where credentials could sit in a logged object: request headers, a token or key under its own
 * name, at the top or one level down (`{ req: { headers } }`, `{ config: { ENCRYPTION_KEY } }`).
 * Nothing logs them on purpose; this keeps a future `logger.info({ headers })` from leaking them.
 */
const SECRET_KEYS = [
  'authorization',
  'cookie',
  '["set-cookie"]',
  '["x-api-key"]',
  'token',
  'apiKey',
  'password',
  'ADMIN_TOKEN',
  'ENCRYPTION_KEY',
  'METRICS_TOKEN',
  'LLM_API_KEY',
  'DATABASE_URL',
];

/** Structured JSON logs; credentials never reach them (see the redact paths). */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const paths = SECRET_KEYS.flatMap((key) => {
    const member = key.startsWith('[') ? key : `.${key}`;
    return [key, `*${member}`, `*.headers${member}`];
  });
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'flackyness-api' },
    redact: { paths, censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
