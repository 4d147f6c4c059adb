// The reference server: bare Fastify with one POST route that echoes its JSON body.
import Fastify from 'fastify';

const port = Number(process.env.PORT ?? 0);
const app = Fastify({ logger: false });
// The same path as the presign route, so both receive byte-identical requests.
app.post('/api/uploads', async (request) => request.body);

await app.listen({ port, host: '127.0.0.1' });
const address = app.server.address();
process.stdout.write(`listening http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}\n`);

const stop = () => void app.close().finally(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
