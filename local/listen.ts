/**
 * Starting a local server: every server of the local stack and the test fakes binds to
 * 127.0.0.1 only, and a port already taken fails the start instead of going unnoticed.
 */
import type { AddressInfo, Server } from 'node:net';

/**
 * Listens on `host:port` (port 0: any free one) and resolves the bound port; rejects with the
 * listen error (e.g. `EADDRINUSE`).
 */
export async function listenLocal(server: Server, port = 0, host = '127.0.0.1'): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}
