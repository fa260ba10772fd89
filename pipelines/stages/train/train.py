"""A training script as people write them, unmodified for pipe-tui: Python's logging with coloured levels, and a
progress bar drawn the way tqdm draws one (`\r`, then the bar, on stderr), byte for byte. Standard library only."""
import logging
import os
import sys
import time

GREEN, YELLOW, RESET = "\x1b[32m", "\x1b[33m", "\x1b[0m"
logging.basicConfig(format=f"%(asctime)s {GREEN}%(levelname)s{RESET} %(message)s", level=logging.INFO, stream=sys.stdout)
log = logging.getLogger("train")

STEPS = int(os.environ.get("PIPE_PARAM_STEPS", "60"))
PACE = float(os.environ.get("PACE_S", "0.05"))


def clock(seconds):
    m, s = divmod(int(seconds), 60)
    return f"{m:02d}:{s:02d}"


def bar(n, total, elapsed, desc="epoch 1", width=10):
    # tqdm's default: '{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}, {rate_fmt}{postfix}]'
    frac = n / total
    filled = int(frac * width)
    partial = " ▏▎▍▌▋▊▉"[int((frac * width - filled) * 8)] if filled < width else ""
    rate = n / elapsed if elapsed > 0 else 0
    remaining = (total - n) / rate if rate else 0
    rate_text = f"{rate:5.2f}it/s" if rate else "?it/s"
    return f"{desc}: {frac * 100:3.0f}%|{'█' * filled}{partial}{' ' * (width - filled - len(partial))}| {n}/{total} [{clock(elapsed)}<{clock(remaining)}, {rate_text}]"


log.info("loading 1200 examples from data/train.jsonl")
log.warning("%sno GPU found: training on the CPU%s", YELLOW, RESET)
start = time.monotonic()
sys.stderr.write("\r" + bar(0, STEPS, 0))
for step in range(1, STEPS + 1):
    time.sleep(PACE)
    sys.stderr.write("\r" + bar(step, STEPS, time.monotonic() - start))
    sys.stderr.flush()
sys.stderr.write("\n")
log.info("done: loss 0.213 after %d steps", STEPS)
