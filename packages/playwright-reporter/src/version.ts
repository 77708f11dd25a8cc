/** This package's version, sent as `reporterVersion` (a test keeps it equal to package.json). */
export const REPORTER_VERSION = '0.1.0';
