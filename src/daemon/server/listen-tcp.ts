import { type Server, createServer } from 'node:http';
import { listenFailure, parseListenAddress } from '../../shared/listen-address.js';

// The daemon's TCP listener (`--listen HOST:PORT`): WebSocket upgrades only, any plain request gets 426. `daemon
// start` binds it once too, as a probe, so a port in use fails in the terminal rather than in the detached daemon.
export async function listenTcp(address: string): Promise<Server> {
  const { host, port } = parseListenAddress(address);
  const server = createServer((_req, res) => res.writeHead(426).end('pipe-tui daemon: WebSocket only\n'));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
  } catch (error) {
    throw listenFailure(address, error);
  }
  return server;
}
