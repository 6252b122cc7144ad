#!/usr/bin/env bash
# Packs the GPU suite for a machine with a CUDA GPU and no .NET SDK: a framework-dependent build of this project, the
# PyTorch peer and this machine's .NET runtime (xz, ~26 MB), into .gpu/ at the repository root (git-ignored locally
# through .git/info/exclude). On the GPU machine, from the repository root: bash .gpu/device-run.sh (results in $OUT).
set -euo pipefail
cd "$(dirname "$0")/../.."
grep -qx '/.gpu/' "$(git rev-parse --git-dir)/info/exclude" 2>/dev/null || echo '/.gpu/' >> "$(git rev-parse --git-dir)/info/exclude"
rm -rf .gpu && mkdir -p .gpu
dotnet publish benchmarks/ModelGen.Gpu.Benchmarks -c Release -o .gpu/app
cp benchmarks/ModelGen.Gpu.Benchmarks/peer.py benchmarks/ModelGen.Gpu.Benchmarks/device-run.sh .gpu/
root=$(dirname "$(readlink -f "$(command -v dotnet)")")
runtime=$(ls -d "$root"/shared/Microsoft.NETCore.App/10.* | tail -1)
name=$(basename "$root")
tar -C "$(dirname "$root")" -cf - "$name/dotnet" "$name/host" "$name/shared/Microsoft.NETCore.App/$(basename "$runtime")" | xz -T2 -6 > .gpu/dotnet.tar.xz
du -sh .gpu
