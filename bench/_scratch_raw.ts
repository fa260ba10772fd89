import { spawn } from 'node:child_process';
import { openSync, writeSync, closeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
const cmd = `awk 'BEGIN { for (i = 1; i <= 1000000; i++) print "log line " i }'`;
async function raw(file: string, detached: boolean) {
  const fd = openSync(file, 'w'); const t = performance.now(); let n = 0;
  await new Promise<void>((res) => { const c = spawn('/bin/sh', ['-c', cmd], { stdio: ['ignore', 'pipe', 'pipe'], detached });
    c.stdout.on('data', (b: Buffer) => { n++; writeSync(fd, b); }); c.on('close', () => res()); });
  closeSync(fd); return [performance.now() - t, n];
}
async function ex(file: string) {
  const fd = openSync(file, 'w'); const t = performance.now(); let n = 0;
  const c = execa('/bin/sh', ['-c', cmd], { detached: true, cleanup: false, stdin: 'ignore', buffer: false, reject: false });
  c.stdout?.on('data', (b: Buffer) => { n++; writeSync(fd, b); });
  await c; closeSync(fd); return [performance.now() - t, n];
}
async function sh(file: string) { const t = performance.now(); await new Promise<void>((res) => spawn('/bin/sh', ['-c', `${cmd} > ${file}`]).on('close', () => res())); return performance.now() - t; }
for (let i = 0; i < 3; i++) {
  console.log('sh', (await sh('/tmp/bx/o0')).toFixed(1), 'raw', (await raw('/tmp/bx/o1', false)).map(Number).map(x=>x.toFixed(0)).join('/'), 'rawdet', (await raw('/tmp/bx/o1', true)).map(x=>x.toFixed(0)).join('/'), 'execa', (await ex('/tmp/bx/o2')).map(x=>x.toFixed(0)).join('/'));
}
