import FlackynessReporter from './reporter.ts';

export type { FlackynessReporterOptions } from './options.ts';
export default FlackynessReporter;
