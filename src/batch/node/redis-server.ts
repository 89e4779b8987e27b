// Starts a local redis-server (Debian's) configured as BullMQ needs, for tests and the benchmark:
// loopback only, AOF with fsync on every write (a kill loses no acknowledged job), noeviction.
// Node only.
//
// Usage:
//   const redis = await startRedis({ port: 7200, dir: tmp });
//   redis.url;                  // redis://127.0.0.1:7200
//   await redis.kill();         // SIGKILL, as a crash; await redis.start() brings it back on the same data
//   await redis.stop();

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createConnection } from 'node:net';

/** The settings BullMQ asks for, as redis-server arguments (deploy/redis.conf has the same). */
export const REDIS_ARGS = [
  '--appendonly',
  'yes',
  '--appendfsync',
  'always',
  '--maxmemory-policy',
  'noeviction',
];

export interface LocalRedis {
  url: string;
  port: number;
  start(): Promise<void>;
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** One PING over a raw socket: true when the server answers PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port }, () => s.write('PING\r\n'));
    s.setTimeout(500, () => {
      s.destroy();
      resolve(false);
    });
    s.on('data', (d) => {
      s.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    s.on('error', () => resolve(false));
  });
}

export async function startRedis(options: {
  port: number;
  dir: string;
  log?: (m: string) => void;
}): Promise<LocalRedis> {
  mkdirSync(options.dir, { recursive: true });
  let child: ChildProcess | null = null;
  const exited = () =>
    new Promise<void>((r) => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return r();
      child.once('exit', () => r());
    });
  const redis: LocalRedis = {
    url: `redis://127.0.0.1:${options.port}`,
    port: options.port,
    async start() {
      if (await ping(options.port)) throw new Error(`port ${options.port} already has a Redis`);
      child = spawn(
        'redis-server',
        [
          '--port',
          String(options.port),
          '--bind',
          '127.0.0.1',
          '--dir',
          options.dir,
          '--save',
          '',
          ...REDIS_ARGS,
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      child.stderr?.on('data', (d) => options.log?.(`redis: ${d}`));
      const failed = new Promise<never>((_, reject) =>
        child?.once('error', (e) => reject(new Error(`redis-server could not start: ${e.message}`))),
      );
      const deadline = Date.now() + 20_000;
      const ready = (async () => {
        while (!(await ping(options.port))) {
          if (Date.now() > deadline)
            throw new Error(`redis-server did not answer on ${options.port} within 20 s`);
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      await Promise.race([ready, failed]);
    },
    async kill() {
      child?.kill('SIGKILL');
      await exited();
    },
    async stop() {
      child?.kill('SIGTERM');
      await exited();
    },
  };
  await redis.start();
  return redis;
}
