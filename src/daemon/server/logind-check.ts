import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';

// With systemd-logind's KillUserProcesses=yes and no linger, logging out kills every process of the user,
// detached daemon included: nothing would survive the SSH session. Say so once per workspace, with the fix.
export function logindWarning(): string | null {
  if (!existsSync('/run/systemd/system')) return null;
  const user = userInfo().username;
  if (existsSync(`/var/lib/systemd/linger/${user}`)) return null;
  if (!killsUserProcesses()) return null;
  return `systemd-logind kills your processes at logout (KillUserProcesses=yes), so this daemon and its runs would die with your SSH session. Fix: loginctl enable-linger ${user}`;
}

function killsUserProcesses(): boolean {
  const files = ['/etc/systemd/logind.conf'];
  try {
    for (const f of readdirSync('/etc/systemd/logind.conf.d')) files.push(path.join('/etc/systemd/logind.conf.d', f));
  } catch {
    // No drop-ins.
  }
  let kill = false;
  for (const file of files) {
    try {
      const match = /^\s*KillUserProcesses\s*=\s*(\S+)/m.exec(readFileSync(file, 'utf8'));
      if (match) kill = /^(yes|true|1|on)$/i.test(match[1] ?? '');
    } catch {
      // Unreadable: no opinion.
    }
  }
  return kill;
}

export function warnOnce(marker: string, write: (line: string) => void): void {
  const warning = logindWarning();
  if (!warning || existsSync(marker)) return;
  write(`pipe-tui: warning: ${warning}\n`);
  writeFileSync(marker, `${new Date().toISOString()}\n`);
}
