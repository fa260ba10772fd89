import path from 'node:path';

// A pipeline named by path is resolved here, against the caller's directory, before it goes to the daemon.
export function pipelineRef(ref: string): string {
  return ref.includes('/') || /\.(ya?ml|json)$/.test(ref) ? path.resolve(ref) : ref;
}
