/** Types of `scripts/redis-cluster.mjs`: throwaway Redis servers and clusters on loopback for tests. */

/** One started `redis-server`. */
export interface RedisServer {
  host: string;
  port: number;
  /** Its temp directory (deleted by `stop`). */
  dir: string;
  pid: number | undefined;
  /** Kills the server and deletes its directory. */
  stop(): Promise<void>;
}

/** A started Redis Cluster. */
export interface RedisCluster {
  /** Its masters, ready (`cluster_state:ok`). */
  nodes: Array<{ host: string; port: number }>;
  /** Kills every server and deletes their directories. */
  stop(): Promise<void>;
}

/** Starts one `redis-server` on a free loopback port; `config` holds extra `--name value` arguments. */
export function startRedisServer(options?: { config?: string[] }): Promise<RedisServer>;

/** Starts a cluster of `masters` masters (default 3, no replicas) and waits for `cluster_state:ok`. */
export function startRedisCluster(options?: { masters?: number; config?: string[] }): Promise<RedisCluster>;

/** Runs `redis-cli -p port ...args`; resolves with its trimmed output. */
export function redisCli(port: number, ...args: string[]): Promise<string>;
