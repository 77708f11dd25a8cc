import { execFileSync } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { freePort } from './server-process.ts';

/**
 * A primary and a hot standby in streaming replication, made for one test in a temporary folder
 * (initdb, pg_basebackup -R) from the local PostgreSQL binaries, and removed afterwards.
 * As root, the servers run as the `postgres` user (initdb refuses root).
 */

export interface ReplicaCluster {
  primaryUrl: string;
  standbyUrl: string;
  /** Waits until the standby has replayed everything the primary has written so far. */
  waitForReplay(timeoutMs?: number): Promise<void>;
  /** Stops (or starts again) the standby's replay of the primary's WAL: its data stands still. */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  stop(): Promise<void>;
}

const binDirs = ['/usr/lib/postgresql/15/bin', '/usr/lib/postgresql/16/bin'];

/** Why a cluster cannot be made here, or null when it can. */
export function replicaClusterUnavailable(): string | null {
  if (!binDirs.some((dir) => existsSync(join(dir, 'initdb')))) {
    return `no PostgreSQL server binaries in ${binDirs.join(' or ')}`;
  }
  if (process.getuid?.() === 0) {
    try {
      execFileSync('id', ['postgres'], { stdio: 'ignore' });
    } catch {
      return 'running as root without a postgres user to run the servers as';
    }
  }
  return null;
}

export async function startReplicaCluster(): Promise<ReplicaCluster> {
  const bin = binDirs.find((dir) => existsSync(join(dir, 'initdb'))) as string;
  const asRoot = process.getuid?.() === 0;
  const root = mkdtempSync(join(tmpdir(), 'flackyness-replica-'));
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(root, uid, gid);
  }
  const run = (tool: string, args: string[]) =>
    asRoot
      ? execFileSync('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args], {
          stdio: 'pipe',
        })
      : execFileSync(join(bin, tool), args, { stdio: 'pipe' });
  const write = (file: string, text: string) => appendFileSync(file, text);
  const [primaryPort, standbyPort] = [await freePort(), await freePort()];
  const primaryDir = join(root, 'primary');
  const standbyDir = join(root, 'standby');
  const started: string[] = [];
  const stopAll = () => {
    for (const dir of started.reverse()) {
      try {
        run('pg_ctl', ['-D', dir, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // already stopped
      }
    }
    started.length = 0;
    rmSync(root, { recursive: true, force: true });
  };

  try {
    run('initdb', ['-D', primaryDir, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
    // initdb's pg_hba.conf already lets 127.0.0.1 replicate with the method given (trust).
    write(
      join(primaryDir, 'postgresql.conf'),
      [
        `port = ${primaryPort}`,
        `listen_addresses = '127.0.0.1'`,
        `unix_socket_directories = '${root}'`,
        'wal_level = replica',
        'max_wal_senders = 4',
        'fsync = off',
        'synchronous_commit = off',
        'full_page_writes = off',
        'shared_buffers = 32MB',
        '',
      ].join('\n'),
    );
    run('pg_ctl', ['-D', primaryDir, '-l', join(root, 'primary.log'), '-w', 'start']);
    started.push(primaryDir);
    // -R: standby.signal and primary_conninfo, so the copy starts as the primary's standby.
    run('pg_basebackup', [
      '-h',
      '127.0.0.1',
      '-p',
      String(primaryPort),
      '-U',
      'postgres',
      '-D',
      standbyDir,
      '-R',
      '-X',
      'stream',
      '--no-sync',
    ]);
    write(
      join(standbyDir, 'postgresql.conf'),
      `port = ${standbyPort}\nhot_standby = on\nhot_standby_feedback = on\n`,
    );
    run('pg_ctl', ['-D', standbyDir, '-l', join(root, 'standby.log'), '-w', 'start']);
    started.push(standbyDir);
  } catch (error) {
    stopAll();
    throw error;
  }

  const primaryUrl = `postgres://postgres@127.0.0.1:${primaryPort}/postgres`;
  const standbyUrl = `postgres://postgres@127.0.0.1:${standbyPort}/postgres`;
  const options = { max: 1, onnotice: () => {} };
  const primary = postgres(primaryUrl, options);
  const standby = postgres(standbyUrl, options);
  return {
    primaryUrl,
    standbyUrl,
    async waitForReplay(timeoutMs = 20_000) {
      const [{ lsn } = { lsn: '' }] = await primary<{ lsn: string }[]>`
        select pg_current_wal_lsn()::text as lsn`;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const [row] = await standby<{ replayed: boolean }[]>`
          select coalesce(pg_last_wal_replay_lsn() >= ${lsn}::pg_lsn, false) as replayed`;
        if (row?.replayed) return;
        if (Date.now() > deadline) throw new Error(`standby did not replay up to ${lsn}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async pauseReplay() {
      await standby`select pg_wal_replay_pause()`;
      for (;;) {
        const [row] = await standby<
          { state: string }[]
        >`select pg_get_wal_replay_pause_state() as state`;
        if (row?.state === 'paused') return;
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async resumeReplay() {
      await standby`select pg_wal_replay_resume()`;
    },
    async stop() {
      await Promise.all([primary.end({ timeout: 1 }), standby.end({ timeout: 1 })]);
      stopAll();
    },
  };
}
