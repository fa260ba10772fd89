import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createProgressParser,
  MAX_FRAME_CHARS,
  type ParsedProgress,
  type ProgressParser,
  ProgressSpecSchema,
  stripEscapes,
} from '../../src/shared/progress-parse.js';
import { formatIssues } from '../../src/shared/zod-issues.js';

// The captures in test/fixtures/progress are real programs' bytes (scripts/capture-progress-fixtures.sh). Each is
// cut into frames on `\n` and `\r` and fed in order, as a stage's output reaches the parser. The values below are
// the ones printed in those captures: regenerating them means updating these.
const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/progress');
const framesOf = (name: string): string[] => readFileSync(path.join(FIXTURES, name), 'utf8').split(/[\r\n]/);

type Reading = [frame: string, progress: ParsedProgress];

/** Every frame that gave a reading, as the terminal would show it, with the reading; one parser for all files. */
function readings(...names: string[]): Reading[] {
  const parser = createProgressParser('auto');
  return names.flatMap((name) =>
    framesOf(name).flatMap((frame): Reading[] => {
      const progress = parser.feed(frame);
      return progress ? [[stripEscapes(frame).trim(), progress]] : [];
    }),
  );
}

const reading = (current: number, total: number | null, rest: Partial<ParsedProgress> = {}): ParsedProgress => ({
  current,
  total,
  message: null,
  rate_per_s: null,
  remaining_ms: null,
  ...rest,
});

/** The readings at these places in a capture's list: first, a middle one, last (-1). */
const at = (all: Reading[], ...places: number[]): (Reading | undefined)[] => places.map((place) => all.at(place));

const feed = (parser: ProgressParser, ...frames: string[]): (ParsedProgress | null)[] => frames.map((f) => parser.feed(f));
const auto = (frame: string): ParsedProgress | null => createProgressParser('auto').feed(frame);

describe('tqdm', () => {
  it('reads every frame of a known total, from 0/100 with no rate yet to 100/100', () => {
    const all = readings('tqdm-known-total.stderr');
    // 101 steps and the frame tqdm draws again on close: nothing else in the capture, nothing missed.
    expect(all).toHaveLength(102);
    expect(at(all, 0, 10, -1)).toEqual([
      ['0%|          | 0/100 [00:00<?, ?it/s]', reading(0, 100)],
      ['10%|█         | 10/100 [00:00<00:01, 88.40it/s]', reading(10, 100, { rate_per_s: 88.4, remaining_ms: 1000 })],
      ['100%|██████████| 100/100 [00:01<00:00, 85.73it/s]', reading(100, 100, { rate_per_s: 85.73, remaining_ms: 0 })],
    ]);
  });

  it('reads the wider bar it draws on a terminal the same way', () => {
    const all = readings('tqdm-known-total.tty');
    expect(all.map(([, p]) => p.current)).toEqual([...Array.from({ length: 101 }, (_, i) => i), 100]);
    expect(all.at(-1)?.[1]).toEqual(reading(100, 100, { rate_per_s: 85.94, remaining_ms: 0 }));
  });

  it('gives a null total for an iterator of unknown length', () => {
    const all = readings('tqdm-unknown-total.stderr');
    expect(all).toHaveLength(32);
    expect(at(all, 0, 10, -1)).toEqual([
      ['0it [00:00, ?it/s]', reading(0, null)],
      ['10it [00:00, 90.24it/s]', reading(10, null, { rate_per_s: 90.24 })],
      ['30it [00:00, 90.84it/s]', reading(30, null, { rate_per_s: 90.84 })],
    ]);
  });

  it('turns s/it over into a rate per second', () => {
    expect(at(readings('tqdm-slow.stderr'), 0, 1, -1)).toEqual([
      ['0%|          | 0/4 [00:00<?, ?it/s]', reading(0, 4)],
      ['25%|██▌       | 1/4 [00:01<00:04,  1.50s/it]', reading(1, 4, { rate_per_s: 1 / 1.5, remaining_ms: 4000 })],
      ['100%|██████████| 4/4 [00:06<00:00,  1.50s/it]', reading(4, 4, { rate_per_s: 1 / 1.5, remaining_ms: 0 })],
    ]);
  });

  it('counts bytes through unit_scale: 1.80M/3.40M is 1800000 of 3400000, 3.79MB/s is 3790000 a second', () => {
    expect(at(readings('tqdm-bytes.stderr'), 0, 9, -1)).toEqual([
      ['0%|          | 0.00/3.40M [00:00<?, ?B/s]', reading(0, 3_400_000)],
      ['53%|█████▎    | 1.80M/3.40M [00:00<00:00, 3.79MB/s]', reading(1_800_000, 3_400_000, { rate_per_s: 3_790_000, remaining_ms: 0 })],
      ['100%|██████████| 3.40M/3.40M [00:00<00:00, 3.88MB/s]', reading(3_400_000, 3_400_000, { rate_per_s: 3_880_000, remaining_ms: 0 })],
    ]);
  });

  it('takes desc as the message', () => {
    expect(at(readings('tqdm-desc.stderr'), 0, -1).map((r) => r?.[1])).toEqual([
      reading(0, 20, { message: 'train' }),
      reading(20, 20, { message: 'train', rate_per_s: 90.68, remaining_ms: 0 }),
    ]);
  });

  it('reads the forms not captured: a postfix, hours, 200k scaling, iB, an unknown total in bytes', () => {
    expect(auto('\rtrain: 45%|████▌     | 45/100 [00:10<00:12,  4.50it/s, loss=0.345, lr=1e-3]')).toEqual(
      reading(45, 100, { message: 'train loss=0.345, lr=1e-3', rate_per_s: 4.5, remaining_ms: 12_000 }),
    );
    expect(auto(' 45%|████▌     | 45/100 [1:02:03<1:15:50, 101.12s/it]')).toEqual(
      reading(45, 100, { rate_per_s: 1 / 101.12, remaining_ms: 4_550_000 }),
    );
    // unit='iB', unit_divisor=1024: the one case where the rate says the prefixes are binary.
    expect(auto(' 35%|███▌      | 1.20M/3.40M [00:01<00:02, 1.10MiB/s]')).toEqual(
      reading(1_258_291, 3_565_158, { rate_per_s: 1_153_434, remaining_ms: 2000 }),
    );
    expect(auto('download: 1.20MB [00:00, 3.99MB/s]')).toEqual(reading(1_200_000, null, { message: 'download', rate_per_s: 3_990_000 }));
  });

  it('does not take log lines that look a little like it for progress', () => {
    expect(auto('12 items [12:30, see /srv/log]')).toBeNull();
    expect(auto('[00:10<00:12, 4.50it/s]')).toBeNull();
    expect(auto('disk 45% full | 45/100 GB used')).toBeNull();
  });
});

describe('rich', () => {
  const working = (current: number, total: number, remaining_ms: number | null): ParsedProgress =>
    reading(current, total, { message: 'Working...', remaining_ms });

  it('reads track() on a terminal, from -:--:-- to done; once done its time column is time taken, not left', () => {
    expect(at(readings('rich-track.tty'), 0, 6, -1)).toEqual([
      [`Working... ${'━'.repeat(40)}   0% -:--:--`, working(0, 100, null)],
      [`Working... ${'━'.repeat(23)}╺${'━'.repeat(16)}  58% 0:00:01`, working(58, 100, 1000)],
      [`Working... ${'━'.repeat(40)} 100% 0:00:01`, working(100, 100, 0)],
    ]);
  });

  it('reads the one bar track() prints when not on a terminal', () => {
    expect(readings('rich-track.stdout')).toEqual([[`Working... ${'━'.repeat(40)} 100% 0:00:01`, working(100, 100, 0)]]);
  });

  it('prefers an n/total column to the percent', () => {
    expect(at(readings('rich-mofn.tty'), 0, 5, -1)).toEqual([
      [`Working... ${'━'.repeat(40)}   0% -:--:--  0/50`, working(0, 50, null)],
      [`Working... ${'━'.repeat(20)}╸${'━'.repeat(19)}  52% 0:00:01 26/50`, working(26, 50, 1000)],
      [`Working... ${'━'.repeat(40)} 100% 0:00:00 50/50`, working(50, 50, 0)],
    ]);
  });
});

describe('pip', () => {
  it('reads its download bar in bytes, with its speed and eta', () => {
    expect(at(readings('pip-download.tty'), 0, 5, -1)).toEqual([
      [`${'━'.repeat(40)} 0.0/1.3 MB ? eta -:--:--`, reading(0, 1_300_000)],
      [`━━━━━╸${'━'.repeat(34)} 0.2/1.3 MB 986.2 kB/s eta 0:00:02`, reading(200_000, 1_300_000, { rate_per_s: 986_200, remaining_ms: 2000 })],
      [`${'━'.repeat(40)} 1.3/1.3 MB 939.9 kB/s eta 0:00:00`, reading(1_300_000, 1_300_000, { rate_per_s: 939_900, remaining_ms: 0 })],
    ]);
  });

  it('reads the finished bar it prints into a pipe, and nothing of its other lines', () => {
    expect(readings('pip-download.stdout').map(([, p]) => p)).toEqual([
      reading(1_300_000, 1_300_000, { rate_per_s: 962_200, remaining_ms: 0 }),
    ]);
  });

  it('reads sizes in bytes and binary units', () => {
    expect(auto('   ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━ 512/900 bytes 1 byte/s eta 0:06:28')).toEqual(
      reading(512, 900, { rate_per_s: 1, remaining_ms: 388_000 }),
    );
    expect(auto('   ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━ 1.5/2.0 GiB 10.0 MiB/s eta 0:00:51')).toEqual(
      reading(1_610_612_736, 2_147_483_648, { rate_per_s: 10_485_760, remaining_ms: 51_000 }),
    );
  });
});

describe('ffmpeg', () => {
  // Media time: the row shows it as a clock (0:02/0:05) and the rate as a speed (0.97x).
  const media = (current: number, total: number | null, rest: Partial<ParsedProgress> = {}): ParsedProgress => reading(current, total, { ...rest, unit: 'ms' });

  it('measures time= in milliseconds against the Duration printed before it', () => {
    const all = readings('ffmpeg-file.stderr');
    // The header says nothing; each stats frame is one reading.
    expect(all).toHaveLength(framesOf('ffmpeg-file.stderr').filter((f) => f.includes(' time=')).length);
    expect(at(all, 0, 5, -1).map((r) => r?.[1])).toEqual([
      media(40, 5000, { rate_per_s: 502, remaining_ms: 9880 }),
      media(2550, 5000, { rate_per_s: 973, remaining_ms: 2518 }),
      // time=00:00:05.01, a frame past the 5.00 s Duration: held at the total.
      media(5000, 5000, { rate_per_s: 989, remaining_ms: 0 }),
    ]);
    expect(all[5]?.[0]).toBe('frame=   64 fps= 24 q=2.0 size=       0kB time=00:00:02.55 bitrate=   0.1kbits/s speed=0.973x');
  });

  it('reads its coloured terminal output the same way', () => {
    const all = readings('ffmpeg-file.tty');
    expect(all).toHaveLength(11);
    expect(all.at(-1)?.[1]).toEqual(media(5000, 5000, { rate_per_s: 993, remaining_ms: 0 }));
  });

  it('gives a null total for a generated input, which has no Duration', () => {
    expect(readings('ffmpeg-lavfi.stderr').map(([, p]) => p)).toEqual([
      media(0, null, { rate_per_s: 14.2 }),
      media(5010, null, { rate_per_s: 37_100 }),
    ]);
  });

  it('reads -progress blocks on stdout against the Duration from stderr, one reading per block', () => {
    const stdout = readings('ffmpeg-progress.stderr', 'ffmpeg-progress.stdout').filter(([frame]) => frame.startsWith('progress='));
    expect(stdout).toHaveLength(11);
    expect(at(stdout, 0, 5, -1)).toEqual([
      ['progress=continue', media(46, 5000, { rate_per_s: 478, remaining_ms: 10_364 })],
      ['progress=continue', media(2554, 5000, { rate_per_s: 972, remaining_ms: 2516 })],
      ['progress=end', media(5000, 5000, { rate_per_s: 994, remaining_ms: 0 })],
    ]);
    // Without the header the blocks still count, with no total.
    expect(readings('ffmpeg-progress.stdout').at(-1)?.[1]).toEqual(media(5016, null, { rate_per_s: 994 }));
  });

  it('starts again at each header, as when a stage runs ffmpeg once per file', () => {
    const parser = createProgressParser('auto');
    expect(
      feed(
        parser,
        '  Duration: 00:01:00.00, start: 0.000000, bitrate: 394 kb/s',
        'size=     512kB time=00:00:30.00 bitrate= 139.8kbits/s speed=2.00x',
        '  Duration: N/A, start: 0.000000, bitrate: N/A',
        'size=     512kB time=00:00:30.00 bitrate= 139.8kbits/s speed=N/A',
        'out_time_ms=1500000',
        'progress=continue',
      ),
    ).toEqual([
      null,
      media(30_000, 60_000, { rate_per_s: 2000, remaining_ms: 15_000 }),
      null,
      media(30_000, null),
      null,
      media(1500, null),
    ]);
  });
});

describe('a pattern', () => {
  it('reads named groups current, total and message, after the escapes are gone', () => {
    const parser = createProgressParser({ pattern: 'step (?<current>\\d+) of (?<total>[\\d,]+): (?<message>.*)' });
    expect(parser.feed('\x1b[32mstep 3 of 1,000: loading\x1b[0m')).toEqual(reading(3, 1000, { message: 'loading' }));
    expect(parser.feed('nothing to see')).toBeNull();
    // Only the pattern: auto's styles are not read besides it.
    expect(parser.feed(' 45%|████▌     | 45/100 [00:10<00:12,  4.50it/s]')).toBeNull();
  });

  it('reads a percent as that much out of 100, and refuses one past 100', () => {
    const parser = createProgressParser({ pattern: '(?<percent>\\d+(?:\\.\\d+)?)% done' });
    expect(parser.feed('42.5% done')).toEqual(reading(42.5, 100));
    expect(parser.feed('142% done')).toBeNull();
  });

  it('parses nothing from a pattern the schema refuses, rather than throwing', () => {
    expect(createProgressParser({ pattern: '(' }).feed('(')).toBeNull();
    expect(createProgressParser({ pattern: '(?<count>\\d+)' }).feed('12')).toBeNull();
  });
});

describe('none', () => {
  it('reads nothing, not even tqdm', () => {
    const parser = createProgressParser('none');
    expect(parser.feed(' 45%|████▌     | 45/100 [00:10<00:12,  4.50it/s]')).toBeNull();
    expect(createProgressParser('auto').feed(' 45%|████▌     | 45/100 [00:10<00:12,  4.50it/s]')).not.toBeNull();
  });
});

describe('ProgressSpecSchema', () => {
  const problems = (value: unknown): string[] => {
    const result = ProgressSpecSchema.safeParse(value);
    return result.success ? [] : formatIssues(result.error);
  };

  it('accepts auto, none and a usable pattern', () => {
    for (const spec of ['auto', 'none', { pattern: '(?<current>\\d+)/(?<total>\\d+)' }, { pattern: '(?<percent>\\d+)%(?<message>.*)' }]) {
      expect(ProgressSpecSchema.parse(spec)).toEqual(spec);
    }
  });

  it('refuses bad patterns, saying why', () => {
    expect(problems({ pattern: '(?<current>\\d+' })).toEqual([expect.stringMatching(/^pattern: progress pattern is not a valid regular expression: /)]);
    expect(problems({ pattern: '\\d+/\\d+' })).toEqual([expect.stringContaining('needs named groups current and total')]);
    expect(problems({ pattern: '(?<current>\\d+) left' })).toEqual([expect.stringContaining('needs named groups current and total')]);
    expect(problems({ pattern: '(?<current>\\d+)/(?<totl>\\d+)' })).toEqual([expect.stringContaining('named group "totl"')]);
    expect(problems({ pattern: '(?<current>\\d+)/(?<total>\\d+) (?<percent>\\d+)%' })).toEqual([
      expect.stringContaining('use current and total, or percent'),
    ]);
  });

  it('refuses a repeated group that itself repeats (exponential on a near miss), and keeps simpler ones', () => {
    for (const pattern of ['^(\\w+\\s?)*(?<current>\\d+)/(?<total>\\d+)$', '((?<current>\\d+)+)/(?<total>\\d+)', '(?:a|b+){2,}(?<percent>\\d+)%']) {
      expect(problems({ pattern })).toEqual([expect.stringContaining('repeats a group that itself repeats')]);
    }
    for (const pattern of ['(?:step )?(?<current>\\d+) of (?<total>\\d+)', '(?<current>[\\d,]+)/(?<total>[\\d,]+)', '(?<percent>\\d+(?:\\.\\d+)?)%', 'a\\(b+\\)*(?<percent>\\d+)%']) {
      expect(problems({ pattern })).toEqual([]);
    }
  });

  it('refuses anything else', () => {
    expect(problems('tqdm')).toEqual([expect.stringContaining('"auto"')]);
    expect(problems({ pattern: '(?<percent>\\d+)%', flags: 'i' })).toEqual(['flags: unknown key']);
    expect(problems(42)).not.toEqual([]);
  });
});

describe('hostile input', () => {
  it('refuses a frame longer than any bar without reading it', () => {
    const frame = ' 45%|████▌     | 45/100 [00:10<00:12,  4.50it/s]';
    expect(auto(' '.repeat(MAX_FRAME_CHARS - frame.length) + frame)).not.toBeNull();
    expect(auto(' '.repeat(MAX_FRAME_CHARS - frame.length + 1) + frame)).toBeNull();
  });

  it('reads a bar wrapped in escapes that would drive a terminal, and nothing from the escapes alone', () => {
    const osc52 = '\x1b]52;c;aGVsbG8=\x07';
    const title = '\x1b]0;pwned\x1b\\';
    const noise = `${osc52}${title}\x1b[2J\x1b[H\x1b[10;20H\x1bP+q\x1b\\\x1b7\x1b[?1049h`;
    expect(auto(`${noise}train: \x1b[31m 45%|████▌     | 45/100 [00:10<00:12,  4.50it/s]\x1b[0m${noise}`)).toEqual(
      reading(45, 100, { message: 'train', rate_per_s: 4.5, remaining_ms: 12_000 }),
    );
    expect(auto(noise)).toBeNull();
    expect(auto('\x1b[' + '9;'.repeat(5000))).toBeNull();
  });

  it('fails near misses of every style in linear time', () => {
    const n = MAX_FRAME_CHARS - 64;
    const nearMisses = [
      ` ${'1'.repeat(n)} [00:00, 1/s`,
      `1%|x| 1/2 [00:00<00:00, ${'a'.repeat(n)} /s`,
      ` 1it [00:00, ${'1'.repeat(n)}/s`,
      ` 1it [00:00, ${'1'.repeat(n)}/x] /s`,
      `${'1%|'.repeat(n / 3)} [ /s`,
      '━'.repeat(n),
      `━ ${'1.'.repeat(n / 2)}`,
      '\x1b['.repeat(n / 2),
      `\x1b]${'a'.repeat(n)}`,
      'Duration: '.repeat(n / 10),
      ` time=${'1'.repeat(n)}`,
    ];
    const bestOfFive = (frame: string): number =>
      Math.min(
        ...Array.from({ length: 5 }, () => {
          const started = performance.now();
          expect(auto(frame)).toBeNull();
          return performance.now() - started;
        }),
      );
    // Each takes well under a millisecond here; a regex that tries every split of one takes 150 ms.
    expect(nearMisses.filter((frame) => bestOfFive(frame) > 20).map((frame) => frame.slice(0, 30))).toEqual([]);
  });

  it('never throws on byte soup, and finds no progress in it', () => {
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const parser = createProgressParser('auto');
    for (let i = 0; i < 2000; i++) {
      const frame = Array.from({ length: 1 + Math.floor(random() * 300) }, () => String.fromCharCode(Math.floor(random() * 0x2600))).join('');
      expect(parser.feed(frame)).toBeNull();
    }
  });

  it('passes a plain log line after a few includes', () => {
    const parser = createProgressParser('auto');
    const lines = Array.from({ length: 100_000 }, (_, i) => `2026-01-01T00:00:00Z INFO step ${i} loss=0.${i} done`);
    const started = performance.now();
    const read = lines.filter((line) => parser.feed(line) !== null);
    // About 15 ms here: the pre-checks, not the regexes.
    expect(performance.now() - started).toBeLessThan(1000);
    expect(read).toEqual([]);
  });
});
