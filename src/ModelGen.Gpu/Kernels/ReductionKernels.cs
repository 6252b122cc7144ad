using ILGPU;
using ILGPU.Algorithms;

namespace ModelGen.Gpu.Kernels;

/// <summary>Where the one-number results of a step live on the device, so no step waits on the host.</summary>
public static class DeviceScalars
{
    /// <summary>The mean loss of the last forward pass.</summary>
    public const int Loss = 0;

    /// <summary>The gradient scale the update applies: min(1, maxNorm / (‖g‖₂ + 1e-6)) after global-norm clipping, else 1.</summary>
    public const int GradientScale = 1;

    /// <summary>Always 1: the scale an update reads when clipping already went into the gradients (coupled weight decay).</summary>
    public const int One = 2;

    /// <summary>One tensor's clipping scale, min(1, maxNorm / (‖g_t‖₂ + 1e-6)), between its reduction and its rescaling.</summary>
    public const int TensorScale = 3;

    /// <summary>Slots in the scalar buffer.</summary>
    public const int Count = 4;
}

/// <summary>
/// Sums in two passes whose shape depends only on the length, so the result does not depend on scheduling (no
/// atomics): up to <see cref="Partials"/> groups (<see cref="Groups"/>) each reduce a grid-stride slice in shared
/// memory, then one group of <see cref="Threads"/> reduces the partial sums and writes the finished scalar.
/// </summary>
public static class ReductionKernels
{
    /// <summary>Groups of the first pass, and partial sums.</summary>
    public const int Partials = 256;

    /// <summary>Threads per group.</summary>
    public const int Threads = 256;

    /// <summary>First-pass groups for <paramref name="length"/> values: enough for about 8 values per thread, at most <see cref="Partials"/>.</summary>
    public static int Groups(int length) => Math.Clamp((length + Threads * 8 - 1) / (Threads * 8), 1, Partials);

    /// <summary>What the second pass makes of the sum.</summary>
    public enum Finish
    {
        /// <summary>scalars[Loss] = sum · multiplier.</summary>
        MeanLoss = 0,
        /// <summary>scalars[GradientScale] = min(1, multiplier / (√sum + 1e-6)), multiplier being the maximum norm.</summary>
        ClipScale = 1,
        /// <summary>scalars[TensorScale] = min(1, multiplier / (√sum + 1e-6)): one tensor's clipping scale.</summary>
        TensorClipScale = 2,
    }

    /// <summary>First pass: partials[group] = Σ values[i] (or values[i]² when <paramref name="squares"/> is 1) over the group's slice.</summary>
    public static void Partial(ArrayView<float> values, ArrayView<float> partials, int length, int squares)
    {
        var shared = SharedMemory.Allocate<float>(Threads);
        float sum = 0f;
        for (int i = Grid.GlobalIndex.X; i < length; i += Grid.DimX * Group.DimX)
        {
            float v = values[i];
            sum += squares != 0 ? v * v : v;
        }
        float total = GroupSum(shared, sum);
        if (Group.IdxX == 0)
            partials[Grid.IdxX] = total;
    }

    /// <summary>Second pass, one group: reduces the partial sums and writes the scalar <paramref name="finish"/> asks for.</summary>
    public static void Complete(ArrayView<float> partials, ArrayView<float> scalars, int groups, int finish, float multiplier)
    {
        var shared = SharedMemory.Allocate<float>(Threads);
        float total = GroupSum(shared, Group.IdxX < groups ? partials[Group.IdxX] : 0f);
        if (Group.IdxX != 0)
            return;
        if (finish == (int)Finish.MeanLoss)
        {
            scalars[DeviceScalars.Loss] = total * multiplier;
            return;
        }
        float scale = multiplier / (XMath.Sqrt(total) + 1e-6f);
        scalars[finish == (int)Finish.TensorClipScale ? DeviceScalars.TensorScale : DeviceScalars.GradientScale] = scale < 1f ? scale : 1f;
    }

    private static float GroupSum(ArrayView<float> shared, float value)
    {
        shared[Group.IdxX] = value;
        Group.Barrier();
        for (int half = Threads / 2; half > 0; half /= 2)
        {
            if (Group.IdxX < half)
                shared[Group.IdxX] += shared[Group.IdxX + half];
            Group.Barrier();
        }
        return shared[0];
    }
}
