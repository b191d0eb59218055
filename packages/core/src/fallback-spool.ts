/**
 * The fallback spool: where `enqueue` keeps jobs while the backend is unavailable. A
 * SQLite file (Node's built-in `node:sqlite`, WAL with `synchronous = FULL`, so a job is
 * on disk before `enqueue` resolves); the yard's relay forwards spooled jobs in enqueue
 * order once the backend answers, and deletes each only after the backend took it.
 */
import { InvalidOptionsError } from './errors.js';
import type { NewJob } from './job.js';

/** One spooled job. */
export interface SpooledJob {
  /** Position in the spool (enqueue order). */
  seq: number;
  job: NewJob;
  spooledAt: Date;
}

/** Where jobs wait while the backend is down. `spool({ path })` is the SQLite one. */
export interface FallbackSpool {
  open(): Promise<void>;
  /** Stores the jobs durably (all or none) before resolving. */
  put(jobs: NewJob[], spooledAt: Date): Promise<void>;
  /** The oldest spooled jobs, at most `limit`. */
  peek(limit: number): Promise<SpooledJob[]>;
  /** Forgets jobs the backend took. */
  remove(seqs: number[]): Promise<void>;
  /** How many jobs wait, and since when the oldest. */
  status(): Promise<{ depth: number; oldestSpooledAt: Date | null }>;
  close(): Promise<void>;
}

/** Options of `spool()`. */
export interface SpoolOptions {
  /** Path of the SQLite file (created when missing). One spool file per process. */
  path: string;
}

/** The job as stored: JSON with dates as epoch ms. */
type StoredJob = Omit<NewJob, 'createdAt' | 'runAt'> & { createdAt: number; runAt: number };

interface Statement {
  run(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  get(...params: unknown[]): unknown;
}
interface Database {
  exec(sql: string): void;
  prepare(sql: string): Statement;
  close(): void;
}

/**
 * A durable local spool in a SQLite file, for `createSwitchyard({ fallback: spool({ path }) })`.
 * Needs Node's `node:sqlite` (Node 22.13+, or 22.12 with `--experimental-sqlite`).
 */
export function spool(options: SpoolOptions): FallbackSpool {
  if (typeof options?.path !== 'string' || options.path.length === 0) {
    throw new InvalidOptionsError('spool needs { path } of a SQLite file');
  }
  let db: Database | undefined;
  const open = (): Database => {
    if (!db) throw new InvalidOptionsError('the spool is not open (the yard opens it in start())');
    return db;
  };
  return {
    async open() {
      if (db) return;
      let sqlite: { DatabaseSync: new (path: string) => Database };
      try {
        sqlite = (await import('node:sqlite')) as unknown as typeof sqlite;
      } catch (error) {
        throw new InvalidOptionsError(
          `the fallback spool needs node:sqlite (Node 22.13 or later; found ${process.version})`,
          { cause: error },
        );
      }
      db = new sqlite.DatabaseSync(options.path);
      db.exec(`
        PRAGMA journal_mode = WAL;
        PRAGMA synchronous = FULL;
        CREATE TABLE IF NOT EXISTS switchyard_spool (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          job_id TEXT NOT NULL UNIQUE,
          job TEXT NOT NULL,
          spooled_at INTEGER NOT NULL
        );`);
    },
    async put(jobs, spooledAt) {
      const database = open();
      const insert = database.prepare(
        'INSERT INTO switchyard_spool (job_id, job, spooled_at) VALUES (?, ?, ?) ON CONFLICT (job_id) DO NOTHING',
      );
      database.exec('BEGIN IMMEDIATE');
      try {
        for (const job of jobs) insert.run(job.id, JSON.stringify(toStored(job)), spooledAt.getTime());
        database.exec('COMMIT');
      } catch (error) {
        database.exec('ROLLBACK');
        throw error;
      }
    },
    async peek(limit) {
      const rows = open()
        .prepare('SELECT seq, job, spooled_at FROM switchyard_spool ORDER BY seq LIMIT ?')
        .all(limit) as { seq: number; job: string; spooled_at: number }[];
      return rows.map((row) => ({
        seq: Number(row.seq),
        job: fromStored(JSON.parse(row.job) as StoredJob),
        spooledAt: new Date(Number(row.spooled_at)),
      }));
    },
    async remove(seqs) {
      if (seqs.length === 0) return;
      const database = open();
      const remove = database.prepare('DELETE FROM switchyard_spool WHERE seq = ?');
      database.exec('BEGIN IMMEDIATE');
      try {
        for (const seq of seqs) remove.run(seq);
        database.exec('COMMIT');
      } catch (error) {
        database.exec('ROLLBACK');
        throw error;
      }
    },
    async status() {
      const row = open()
        .prepare('SELECT count(*) AS depth, min(spooled_at) AS oldest FROM switchyard_spool')
        .get() as { depth: number; oldest: number | null };
      return {
        depth: Number(row.depth),
        oldestSpooledAt: row.oldest === null ? null : new Date(Number(row.oldest)),
      };
    },
    async close() {
      db?.close();
      db = undefined;
    },
  };
}

function toStored(job: NewJob): StoredJob {
  return { ...job, createdAt: job.createdAt.getTime(), runAt: job.runAt.getTime() };
}

function fromStored(stored: StoredJob): NewJob {
  return { ...stored, createdAt: new Date(stored.createdAt), runAt: new Date(stored.runAt) };
}
