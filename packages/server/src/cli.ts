#!/usr/bin/env node
// The `direct-upload` command: serve the API, or run one expiry sweep.
import { parseArgs } from 'node:util';
import { ConfigError } from './config/config.js';
import { runSweep, startServer } from './start-server.js';
import { startWorker } from './start-worker.js';
import { growHeapForImageJobs } from './heap-for-image-jobs.js';
import { runDoctorCommand, runMigrate, runSetupBucket } from './cli-commands.js';

const HELP = `Usage: direct-upload <command>

Commands:
  serve [--no-worker]
             Start the HTTP API (and the demo page at /) with a periodic expiry sweep.
             It also processes uploads (variants) unless --no-worker or WORKERS=0.
  worker     Process uploads only, taking jobs from the PostgreSQL queue (DATABASE_URL);
             run any number of them, on any machine.
  sweep      Expire abandoned uploads and finish interrupted deletions once, then exit.
  migrate    Bring the database schema up to date, then exit (serve does it too; safe
             when several instances run it at once).
  setup-bucket [--dry-run]
             Apply to S3_BUCKET a CORS rule for CORS_ORIGINS, a lifecycle rule expiring
             incoming/ after a day, and (DEFAULT_VISIBILITY=public) public read of public/.
             --dry-run prints these documents and the IAM policy the server needs, and
             changes nothing.
  doctor     Check configuration, credentials, bucket access, CORS, the clock, the
             database and Redis; exit non-zero when something is wrong.

Options:
  -h, --help Show this help.
  --dry-run  With setup-bucket: print, change nothing.

Configuration comes from environment variables (PORT, HOST, PUBLIC_URL, DATA_DIR,
DATABASE_URL, STORAGE, S3_*, AWS_* keys, AUTH_MODE, AUTH_JWT_SECRET, SECRET_KEY, UPLOAD_*,
RATE_LIMIT_*, MAX_PENDING_UPLOADS, TRUST_PROXY, CORS_ORIGINS, DEFAULT_VISIBILITY,
SWEEP_INTERVAL_SECONDS, LOG_LEVEL); see the README for each one and its default.
With none set, the server runs on embedded defaults: a disk store and SQLite in ./data.
`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { help: { type: 'boolean', short: 'h' }, 'dry-run': { type: 'boolean' }, 'no-worker': { type: 'boolean' } } });
  const command = positionals[0];
  if (values.help || command === 'help' || command === undefined) {
    process.stdout.write(HELP);
    return command === undefined && !values.help ? 1 : 0;
  }
  if (command === 'serve' || command === 'worker') {
    const env = values['no-worker'] ? { ...process.env, WORKERS: '0' } : process.env;
    const running = command === 'serve' ? await startServer(env) : await startWorker(env);
    // A setting of the whole process, so it is made here, where the process is ours, not by the start functions.
    if (command === 'worker' || running.config.processing.workers > 0) growHeapForImageJobs();
    const stop = async () => {
      await running.close();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return -1;
  }
  if (command === 'migrate') {
    process.stdout.write(`${await runMigrate(process.env)}\n`);
    return 0;
  }
  if (command === 'setup-bucket' || command === 'doctor') {
    const result = command === 'doctor' ? await runDoctorCommand(process.env) : await runSetupBucket(process.env, values['dry-run'] ?? false);
    process.stdout.write(`${result.text.trimEnd()}\n`);
    return result.ok ? 0 : 1;
  }
  if (command === 'sweep') {
    const result = await runSweep(process.env);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return result.failed > 0 ? 1 : 0;
  }
  process.stderr.write(`Unknown command "${command}".\n\n${HELP}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(error instanceof ConfigError ? `${error.message}\n` : describe(error));
    process.exitCode = 1;
  },
);

/** The error and the chain of causes behind it (a 503 at start-up says which dependency failed and why). */
function describe(error: unknown): string {
  const lines: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && depth < 5; e = (e as { cause?: unknown })?.cause, depth++) {
    lines.push(depth === 0 ? `${(e as Error)?.stack ?? String(e)}` : `caused by: ${(e as Error)?.message ?? String(e)}`);
  }
  return `${lines.join('\n')}\n`;
}
