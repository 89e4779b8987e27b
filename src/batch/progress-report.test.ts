import { describe, expect, it } from 'vitest';
import { progressBar, progressReporter } from './progress-report';

describe('progress report', () => {
  it('draws a bar', () => {
    expect(progressBar(5, 10, 10)).toBe('[#####.....]  50%  5/10');
    expect(progressBar(0, 0, 4)).toBe('[####] 100%  0/0');
  });

  it('redraws one line on a TTY; prints throttled plain lines otherwise', () => {
    const tty: string[] = [];
    const t = progressReporter({ isTTY: true, write: (s) => tty.push(s) });
    t.update('s1 unet', 1, 4);
    t.finish('s1 unet', 'done');
    expect(tty[0].startsWith('\r\x1b[2Ks1 unet  [')).toBe(true);
    expect(tty[1]).toBe('\r\x1b[2Ks1 unet  done\n');

    const out: string[] = [];
    let now = 0;
    const p = progressReporter({ write: (s) => out.push(s) }, { lineEveryMs: 1000, now: () => now });
    p.update('s1', 0, 10);
    now = 500;
    p.update('s1', 3, 10); // throttled
    now = 1600;
    p.update('s1', 6, 10);
    p.update('s1', 10, 10); // the last one always prints
    p.finish('s1', 'ok');
    expect(out).toEqual(['s1: 0/10 patches\n', 's1: 6/10 patches\n', 's1: 10/10 patches\n', 's1: ok\n']);
  });
});
