using System.Runtime.CompilerServices;

namespace ModelGen.Kernels;

/// <summary>
/// Per-thread scratch buffers for kernels: grown on demand, then reused (0 B per call), and allocated on the pinned object
/// heap, so a pointer to one stays valid without <c>fixed</c> — while the second core works on it too.
/// </summary>
internal static unsafe class PinnedScratch
{
    /// <summary>At least <paramref name="length"/> elements of <paramref name="buffer"/> (a [ThreadStatic] field), grown if needed.</summary>
    public static T* Get<T>(ref T[]? buffer, int length) where T : unmanaged
    {
        if (buffer is null || buffer.Length < length)
            buffer = GC.AllocateUninitializedArray<T>(Math.Max(length, 1), pinned: true);
        return (T*)Unsafe.AsPointer(ref buffer[0]);
    }
}
