# PyTorch eager on the same GPU: the benchmark MLP (784-256-128-10, ReLU, softmax cross-entropy, Adam 1e-3) train step,
# upload included, at the batches of the ModelGen.Gpu suite; and SGEMM 4096³ in FP32 (TF32 off, as ModelGen computes in FP32).
import time, torch
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
dev = torch.device("cuda")
print(f"Device: {torch.cuda.get_device_name(0)}, torch {torch.__version__}")
print("| Benchmark | PyTorch eager | per step / call |")
print("|---|---:|---:|")
for batch in (256, 1024):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10)).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    x_host = torch.rand(batch, 784)
    y_host = torch.randint(0, 10, (batch,))
    x_dev, y_dev = x_host.to(dev), y_host.to(dev)
    resident = False
    def step():
        x, y = (x_dev, y_dev) if resident else (x_host.to(dev), y_host.to(dev))
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss
    for _ in range(20): step()
    torch.cuda.synchronize()
    steps = 300
    t = time.perf_counter()
    for _ in range(steps): loss = step()
    torch.cuda.synchronize()
    us = (time.perf_counter() - t) / steps * 1e6
    print(f"| MLP TrainStep, batch {batch} | {us:.1f} µs | {batch / us * 1e6:.0f} samples/s |")
    # The same with the fused Adam kernel (one launch for the update), PyTorch's fastest eager setting.
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, fused=True)
    for _ in range(20): step()
    torch.cuda.synchronize()
    t = time.perf_counter()
    for _ in range(steps): loss = step()
    torch.cuda.synchronize()
    us = (time.perf_counter() - t) / steps * 1e6
    print(f"| MLP TrainStep, batch {batch}, Adam(fused=True) | {us:.1f} µs | {batch / us * 1e6:.0f} samples/s |")
    # The batch already on the GPU (a dataset uploaded once), fused Adam.
    resident = True
    for _ in range(20): step()
    torch.cuda.synchronize()
    t = time.perf_counter()
    for _ in range(steps): loss = step()
    torch.cuda.synchronize()
    us = (time.perf_counter() - t) / steps * 1e6
    print(f"| MLP TrainStep, batch {batch}, Adam(fused=True), batch already on the device | {us:.1f} µs | {batch / us * 1e6:.0f} samples/s |")
n = 4096
a = torch.rand(n, n, device=dev) - 0.5; b = torch.rand(n, n, device=dev) - 0.5
torch.mm(a, b); torch.cuda.synchronize()
t = time.perf_counter()
for _ in range(20): c = torch.mm(a, b)
torch.cuda.synchronize()
s = (time.perf_counter() - t) / 20
print(f"| SGEMM {n}³ (cuBLAS, FP32) | {2 * n**3 / s / 1e12:.2f} TFLOP/s | {s * 1e3:.2f} ms |")
