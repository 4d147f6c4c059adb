// The S3 test server (s3rver) in a process of its own, so its CPU never counts as the API's.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keepS3rverFolders } from '../packages/server/src/adapters/s3/s3rver-fixture.js';

/** The slice of s3rver 3.x used here (the package ships no declarations). */
type S3rverConstructor = new (options: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  configureBuckets: Array<{ name: string }>;
}) => { run(): Promise<{ port: number }>; close(): Promise<void>; httpServer?: Server };

const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;
// Its own folder clean-up races with PUTs into the same folder (see keepS3rverFolders).
keepS3rverFolders();
const bucket = 'bench';
// A folder of its own, removed on the way out: the benchmark stores a few GB of uploads in it.
const directory = mkdtempSync(join(tmpdir(), 'du-bench-s3rver-'));
process.once('exit', () => rmSync(directory, { recursive: true, force: true }));

const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
const { port } = await server.run();
// s3rver checks only that the access key id is its own.
process.stdout.write(`${JSON.stringify({ endpoint: `http://127.0.0.1:${port}`, bucket, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' })}\n`);

const stop = () => {
  server.httpServer?.closeAllConnections();
  // Leave after at most 2 s even if a connection lingers; the exit handler removes the folder.
  setTimeout(() => process.exit(0), 2000).unref();
  void server.close().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
