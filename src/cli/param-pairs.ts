import { usageError } from './cli-output.js';

// `-p key=value`, repeated, into parameters. No prototype: `-p __proto__=x` stays a key, which resolveParams then
// refuses, rather than vanishing.
export function parseParamPairs(pairs: string[], into: Record<string, string> = Object.create(null) as Record<string, string>): Record<string, string> {
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw usageError(`-p takes key=value, got ${JSON.stringify(pair)}`);
    into[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return into;
}
