import type { CommandSpec } from './command-table.js';
import { resolveWorkspace } from './workspace.js';

// A `<run>` (and each of `<runs...>`) reaches its command as a full run id: an id, a unique prefix or suffix of one
// (the TUI shows the suffix), or latest / @, resolved by the one resolver in src/workspace/run-ref.ts after its
// characters are checked. command-table.ts wraps every command with it, so no command can take a run another way.
export function withRunRefs(spec: CommandSpec): CommandSpec {
  const at = spec.usage.split(' ').slice(1).flatMap((word, i) => (word === '<run>' || word === '<runs...>' ? [i] : []));
  if (at.length === 0) return spec;
  return {
    ...spec,
    run: async (args, options) => {
      const { resolveRunRef } = await import('../workspace/run-ref.js');
      const workspace = resolveWorkspace(options);
      const resolved = [...args];
      for (const i of at) {
        const given = args[i];
        if (typeof given === 'string') resolved[i] = await resolveRunRef(workspace, given);
        else if (Array.isArray(given)) {
          const ids: string[] = [];
          for (const ref of given) ids.push(await resolveRunRef(workspace, ref));
          resolved[i] = ids;
        }
      }
      return spec.run(resolved, options);
    },
  };
}

