// Finds the source files to archive: every file under $PIPE_PARAM_SOURCE with one of $PIPE_PARAM_EXTENSIONS.
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

const source = process.env.PIPE_PARAM_SOURCE ?? 'src';
const extensions = (process.env.PIPE_PARAM_EXTENSIONS ?? '.ts').split(',').map((e) => e.trim()).filter(Boolean);
const work = path.join(process.env.PIPE_RUN_DIR ?? 'out/manual', 'work');

console.log(`looking for ${extensions.join(' ')} files under ${source}/`);
const entries = await readdir(source, { recursive: true, withFileTypes: true }).catch((error) => {
  console.log(`::pipe:error ERR_SOURCE_MISSING cannot read ${source}/: ${error.code ?? error.message}`);
  return null;
});
const files = [];
for (const entry of entries ?? []) {
  if (!entry.isFile() || !extensions.some((ext) => entry.name.endsWith(ext))) continue;
  const file = path.join(entry.parentPath, entry.name);
  files.push({ path: file.split(path.sep).join('/'), size: (await stat(file)).size });
}
files.sort((a, b) => (a.path < b.path ? -1 : 1));

if (!entries) {
  process.exitCode = 1;
} else if (files.length === 0) {
  console.log(`::pipe:error ERR_NOTHING_TO_ARCHIVE no ${extensions.join(' ')} files under ${source}/`);
  process.exitCode = 1;
} else {
  const bytes = files.reduce((sum, f) => sum + f.size, 0);
  await mkdir(work, { recursive: true });
  const file = path.join(work, 'files.json');
  await writeFile(file, `${JSON.stringify(files, null, 2)}\n`);
  console.log(`${files.length} files, ${bytes} bytes`);
  console.log(`::pipe:checkpoint {"files": ${files.length}, "bytes": ${bytes}}`);
  console.log(`::pipe:entity filelist ${path.relative(process.cwd(), file)} {"files":${files.length}}`);
}
