/** The real server in a process of its own: shared with the API's process-level tests. */
export { freePort, startServer, type RunningServer } from '../../api/test/server-process.ts';
