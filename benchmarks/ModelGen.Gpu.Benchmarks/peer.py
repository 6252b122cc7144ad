# PyTorch eager on the same GPU: the benchmark MLP (784-256-128-10, ReLU, softmax cross-entropy, Adam 1e-3) train step
# at the batches of the ModelGen.Gpu suite, with the batch uploaded each step and already on the GPU; and SGEMM 4096³
# in FP32 (TF32 off, as ModelGen computes in FP32).
import time, torch
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
dev = torch.device("cuda")
print(f"Device: {torch.cuda.get_device_name(0)}, torch {torch.__version__}")
print("| Benchmark | PyTorch eager | per step / call |")
print("|---|---:|---:|")

def microseconds(run, repeats):
    """Mean wall time of run() over repeats calls after 20 warm-up calls, the GPU drained before and after."""
    for _ in range(20): run()
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(repeats): run()
    torch.cuda.synchronize()
    return (time.perf_counter() - start) / repeats * 1e6

for batch in (256, 1024):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10)).to(dev)
    loss_fn = torch.nn.CrossEntropyLoss()
    x_host, y_host = torch.rand(batch, 784), torch.randint(0, 10, (batch,))
    x_dev, y_dev = x_host.to(dev), y_host.to(dev)
    for fused, resident, label in ((False, False, ""), (True, False, ", Adam(fused=True)"), (True, True, ", Adam(fused=True), batch already on the device")):
        opt = torch.optim.Adam(model.parameters(), lr=1e-3, fused=fused)
        def step():
            x, y = (x_dev, y_dev) if resident else (x_host.to(dev), y_host.to(dev))
            opt.zero_grad(set_to_none=True)
            loss_fn(model(x), y).backward()
            opt.step()
        us = microseconds(step, 300)
        print(f"| MLP TrainStep, batch {batch}{label} | {us:.1f} µs | {batch / us * 1e6:.0f} samples/s |")

n = 4096
a = torch.rand(n, n, device=dev) - 0.5
b = torch.rand(n, n, device=dev) - 0.5
us = microseconds(lambda: torch.mm(a, b), 20)
print(f"| SGEMM {n}³ (cuBLAS, FP32) | {2 * n**3 / us / 1e6:.2f} TFLOP/s | {us / 1e3:.2f} ms |")
