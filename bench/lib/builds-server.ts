// One process running the API of several builds side by side (one port each), for bench/compare-builds.ts.
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/*
 * Two processes of the same build can differ by 5-10% in CPU per request for their whole life
 * (memory layout, JIT decisions), which hides changes of a few percent. Builds started in one
 * process share that process's luck, and take turns under load, so their difference is theirs.
 */
interface Build {
  name: string;
  /** Root of a built checkout: <root>/packages/server/dist/start-server.js. */
  root: string;
  env: Record<string, string>;
}

type StartServer = (env: Record<string, string | undefined>) => Promise<{ url: string }>;

const builds = JSON.parse(process.env.BUILDS_JSON ?? '[]') as Build[];
const listening: string[] = [];
for (const build of builds) {
  const entry = pathToFileURL(join(resolve(build.root), 'packages/server/dist/start-server.js')).href;
  const { startServer } = (await import(entry)) as { startServer: StartServer };
  // Builds before the configuration read AWS_* itself left credentials to the SDK's provider chain,
  // which looks in process.env, not in the env handed over: set there too, for comparisons with them.
  for (const [name, value] of Object.entries(build.env)) if (name.startsWith('AWS_')) process.env[name] = value;
  await startServer(build.env);
  listening.push(`${build.name}=${build.env.PORT}`);
}
process.stdout.write(`listening ${listening.join(' ')}\n`);

// Each server was started as `serve` is, without its signal handling: stop them all at once.
process.once('SIGTERM', () => process.exit(0));
process.once('SIGINT', () => process.exit(0));
