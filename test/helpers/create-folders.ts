// Run as a separate process by run-ids.test.ts: creates N run folders in a workspace at once, prints their ids.
import { createRunFolder } from '../../src/daemon/engine/run-folder.js';

const [workspace = '', count = '1'] = process.argv.slice(2);
const made = await Promise.all(Array.from({ length: Number(count) }, () => createRunFolder(workspace)));
process.stdout.write(`${made.map((m) => m.runId).join('\n')}\n`);
