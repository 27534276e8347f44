#!/usr/bin/env python3
"""Runs decoder-spectra `analyze` and the PyTorch peer (forward hooks + torch.fft) on the same ONNX model and the
same inputs, one after the other on this machine, and prints whole-process wall time, peak RSS and their ratios,
and checks that both computed the same numbers (last layer's power map and p_low).

Benchmark only (not a test). Needs python3 with numpy, torch (CPU) and onnx, the release build
(`swift build -c release`), and the peer script:

  python3 scripts/bench_vs_torch.py --peer PATH/torch_peer.py [--jobs conv10-64,conv10-128,vae-128] [--work DIR]
      [--repeats 3] [--no-train]

Each job runs `--repeats` times on each side, alternating (peer, ours, peer, ours, ...), and the table shows the median
wall time of each side (the peer's varies by up to 2x between runs on this machine), the largest peak RSS, and every
run's time ratio.

It also times one ae-small training step (batch 32, 32x32, Adam) on both sides (`decoder-spectra bench` and
`torch_peer.py train`) and prints the ratio.

OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are unset for both commands; the OpenBLAS kernel in use is printed.
"""
import argparse, json, os, subprocess, sys

import numpy as np

JOBS = {  # name: (net, size, images)
    "conv10-64": ("conv10", 64, 256),
    "conv10-128": ("conv10", 128, 32),
    "vae-128": ("vae", 128, 64),
    "conv10-64-4096": ("conv10", 64, 4096),
}
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOL = os.path.join(ROOT, ".build", "release", "decoder-spectra")


def timed(command, env):
    """Runs command under /usr/bin/time; returns (wall seconds, peak RSS MiB, stdout)."""
    result = subprocess.run(["/usr/bin/time", "-f", "TIME %e %M"] + command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{result.stderr}")
    line = [l for l in result.stderr.splitlines() if l.startswith("TIME ")][-1].split()
    return float(line[1]), float(line[2]) / 1024, result.stdout


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--peer", required=True, help="path of torch_peer.py")
    p.add_argument("--jobs", default="conv10-64,conv10-128,vae-128")
    p.add_argument("--work", default=os.path.join(ROOT, ".build", "bench-vs-torch"))
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--repeats", type=int, default=3, help="runs of each side per job (medians are reported)")
    p.add_argument("--no-train", dest="train", action="store_false", help="skip the training-step comparison")
    a = p.parse_args()
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    bench = subprocess.run([TOOL, "bench", "--models", "e8-k3", "--sizes", "8", "--batch", "1"], env=env,
                           capture_output=True, text=True)
    print("\n".join(l for l in (bench.stdout + bench.stderr).splitlines() if l.startswith("OpenBLAS")))
    rows = []
    for job in a.jobs.split(","):
        net, size, images = JOBS[job]
        folder = os.path.join(a.work, job)
        if not os.path.exists(os.path.join(folder, "net.onnx")):
            subprocess.run([sys.executable, a.peer, "prepare", "--net", net, "--size", str(size), "--images", str(images),
                            "--out", folder], check=True, env=env, capture_output=True)
        out = os.path.join(folder, "ours")
        # Each side with its own defaults (the peer's mini-batch of --batch, decoder-spectra's automatic batch size and
        # one worker per core); alternating runs, so that both sides see the same machine conditions.
        peer_runs, our_runs = [], []
        for _ in range(a.repeats):
            peer_runs.append(timed([sys.executable, a.peer, "run", folder, "--batch", str(a.batch)], env)[:2])
            our_runs.append(timed([TOOL, "analyze", "--model", os.path.join(folder, "net.onnx"), "--input",
                                   os.path.join(folder, "inputs.npy"), "--out", out, "--force", "-q"], env)[:2])
        peer_wall, ours_wall = float(np.median([r[0] for r in peer_runs])), float(np.median([r[0] for r in our_runs]))
        peer_rss, ours_rss = max(r[1] for r in peer_runs), max(r[1] for r in our_runs)
        runs = " ".join(f"{o[0] / p[0]:.2f}" for o, p in zip(our_runs, peer_runs))
        summary = json.load(open(os.path.join(out, "summary.json")))
        peer = np.load(os.path.join(folder, "peer.npz"))
        last = max(k for k in peer.files if k.startswith("power_"))
        ours_power = np.load(os.path.join(out, summary["layers"][-1]["power_file"]))
        power_error = np.abs(ours_power - peer[last]).max() / np.abs(peer[last]).max()
        peer_plow = peer[last.replace("power", "plow")].mean()
        plow_error = abs(summary["layers"][-1]["p_low"] - peer_plow) / peer_plow
        rows.append((job, images, ours_wall, peer_wall, ours_rss, peer_rss, power_error, plow_error, runs))
    print(f"{'job':16} {'images':>6} {'ours s':>8} {'peer s':>8} {'time':>6} {'ours MiB':>9} {'peer MiB':>9} {'RSS':>6} "
          f"{'power err':>10} {'p_low err':>10}  time ratio of each run")
    for job, images, ow, pw, orss, prss, pe, le, runs in rows:
        print(f"{job:16} {images:6d} {ow:8.2f} {pw:8.2f} {ow / pw:6.2f} {orss:9.0f} {prss:9.0f} {orss / prss:6.2f} "
              f"{pe:10.1e} {le:10.1e}  {runs}")
    print("targets (issue): time <= 0.33x (medians), RSS <= 0.25x, equal within 1e-5 relative")
    if a.train:
        # The same ae-small training step (batch 32, 32x32, Adam) on both sides, alternating runs; medians of the
        # runs (each side times 30 steps after 5 warm-up steps and reports their mean).
        def ms(text, prefix):
            line = [l for l in text.splitlines() if l.startswith(prefix)][-1]
            return float(line.split("Adam:")[1].split("ms")[0])
        ours_runs, peer_runs = [], []
        for _ in range(a.repeats):
            peer = subprocess.run([sys.executable, a.peer, "train", "--batch", "32"], env=env, capture_output=True,
                                  text=True).stdout
            ours = subprocess.run([TOOL, "bench", "--models", "e8-k3", "--sizes", "8", "--batch", "32"], env=env,
                                  capture_output=True, text=True).stdout
            peer_runs.append(ms(peer, "peer training step"))
            ours_runs.append(ms(ours, "training step"))
        ours_ms, peer_ms = float(np.median(ours_runs)), float(np.median(peer_runs))
        runs = " ".join(f"{o / p:.2f}" for o, p in zip(ours_runs, peer_runs))
        print(f"training step ae-small, batch 32: ours {ours_ms:.1f} ms, peer {peer_ms:.1f} ms, ratio {ours_ms / peer_ms:.2f} "
              f"(target <= 1.5; medians; each run: {runs})")


if __name__ == "__main__":
    main()
