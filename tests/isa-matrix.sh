#!/usr/bin/env bash
# Runs the kernel, op and generated-model tests again with the JIT limited to narrower instruction sets, so each
# vector width runs on real hardware code paths (the main run covers every width too, emulating those the CPU lacks):
#   DOTNET_EnableAVX512=0      Vector256 (AVX2 + FMA), as on AMD Zen 3 and most Intel client CPUs
#   DOTNET_EnableAVX2=0        Vector128 only (SSE/AVX without FMA), the width ARM64 runs at
#   DOTNET_EnableHWIntrinsic=0 no SIMD: every kernel one lane at a time
# Expects a Release build (dotnet test ModelGen.sln -c Release first). Prints "isa-matrix: failed" on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
filter='FullyQualifiedName~GemmTests|FullyQualifiedName~OpTests|FullyQualifiedName~DenseOpTests|FullyQualifiedName~GeneratedModelTests|FullyQualifiedName~RegularizedModelTests|FullyQualifiedName~BatchNormModelTests|FullyQualifiedName~InputValidationTests|FullyQualifiedName~WiringTests|FullyQualifiedName~ConcurrencyTests|FullyQualifiedName~ConvModelTests|FullyQualifiedName~SequenceModelTests|FullyQualifiedName~OptimizerVariantTests'
result=0
for knob in DOTNET_EnableAVX512=0 DOTNET_EnableAVX2=0 DOTNET_EnableHWIntrinsic=0; do
  echo "isa-matrix: $knob"
  env "$knob" MODELGEN_TEST_WIDTHS=native dotnet test tests/ModelGen.Tests -c Release --no-build --filter "$filter" || result=1
done
[ "$result" -eq 0 ] || echo "isa-matrix: failed"
exit "$result"
