import { PipeError } from './errors.js';

// `--listen HOST:PORT`, read once for both its readers: `daemon start` checks it before it starts anything, and
// the daemon listens where it says.

export interface ListenAddress {
  host: string;
  port: number;
}

const FORM = '127.0.0.1:7400, localhost:7400 or [::1]:7400';

export function parseListenAddress(address: string): ListenAddress {
  const match = /^(\d{1,3}(?:\.\d{1,3}){3}|localhost|\[[\da-f:.]+\]):(\d{1,5})$/i.exec(address);
  const host = (match?.[1] ?? '').replace(/^\[|\]$/g, '');
  const port = Number(match?.[2]);
  const ipv4Ok = !/^[\d.]+$/.test(host) || host.split('.').every((octet) => Number(octet) <= 255);
  if (!match || !ipv4Ok || port < 1 || port > 65535) {
    throw new PipeError('ERR_USAGE', `--listen takes HOST:PORT (${FORM}), got ${JSON.stringify(address)}`);
  }
  return { host, port };
}

/** An address that parses but cannot be listened on (in use, not this machine's, a privileged port). */
export function listenFailure(address: string, error: unknown): PipeError {
  const errno = (error as { code?: string }).code;
  const why: Record<string, string> = {
    EADDRINUSE: 'the port is in use',
    EADDRNOTAVAIL: "the address is not one of this machine's",
    EACCES: 'permission denied (a port below 1024?)',
  };
  const reason = (errno === undefined ? undefined : why[errno]) ?? String((error as Error).message ?? error);
  return new PipeError('ERR_USAGE', `--listen ${address}: cannot listen there: ${reason}`, { cause: error });
}
