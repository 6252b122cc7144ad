#!/usr/bin/env bash
# Runs on the GPU machine from the repository root (see package.sh): the ModelGen.Gpu suite on a carried .NET runtime,
# then the PyTorch peer on the same GPU. Writes gpu.txt, modelgen.txt and peer.txt to $OUT (or the current folder).
set -u
out=${OUT:-.}
mkdir -p /tmp/dn && tar -C /tmp/dn -xJf .gpu/dotnet.tar.xz
root=$(ls -d /tmp/dn/*/ | head -1)
export DOTNET_ROOT=$root PATH=$root:$PATH DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv | tee "$out/gpu.txt"
# ILGPU 1.5.3's cuBLAS binding asks for libcublas.so.12; PyTorch's CUDA 13 wheels ship .so.13 with the same entry points.
blas=$(find /opt /usr/local -name 'libcublas.so.1*' 2>/dev/null | head -1)
if [ -n "$blas" ]; then
  mkdir -p /tmp/blas && ln -sf "$blas" /tmp/blas/libcublas.so.12
  export LD_LIBRARY_PATH=/tmp/blas:$(dirname "$blas"):${LD_LIBRARY_PATH:-}
fi
timeout 330 dotnet .gpu/app/ModelGen.Gpu.Benchmarks.dll 2>&1 | tee "$out/modelgen.txt"
PYTHONUNBUFFERED=1 timeout 150 python3 .gpu/peer.py 2>&1 | tee "$out/peer.txt"
