import pino from 'pino';

export type Logger = pino.Logger;

/** Structured JSON logs; credentials never reach them (see the redact paths). */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'flackyness-api' },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers["x-api-key"]',
        'req.headers.cookie',
        'token',
      ],
      censor: '[redacted]',
    },
  });
}
