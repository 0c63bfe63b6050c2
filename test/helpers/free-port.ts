import { createServer } from 'node:net';

/** A port on 127.0.0.1 free right now (e.g. the notify receiver's, so a config file can name its URL before it starts). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
