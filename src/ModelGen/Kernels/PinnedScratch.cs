using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ModelGen.Kernels;

/// <summary>
/// Pinned arrays whose used part starts on a 64-byte cache line: per-thread scratch buffers for kernels (grown on
/// demand, then reused, 0 B per call) and the generated workspaces' buffers (<see cref="AlignedBuffer{T}"/>). On the
/// pinned object heap, a pointer to one stays valid without <c>fixed</c> — while the second core works on it too — and
/// its alignment holds; the GC places an array's elements anywhere on 8 bytes, and a full-width vector that straddles
/// two lines costs two loads (an LSTM's forward and backward sweeps, two Xeon cores: 520 / 325 µs on aligned buffers,
/// 555 / 357 on buffers 16 bytes off a line).
/// </summary>
internal static unsafe class PinnedScratch
{
    private const int Alignment = 64;

    /// <summary>At least <paramref name="length"/> elements of <paramref name="buffer"/> (a [ThreadStatic] field), grown if needed, from a cache line.</summary>
    public static T* Get<T>(ref T[]? buffer, int length) where T : unmanaged
    {
        if (buffer is null || buffer.Length < length + Slack<T>())
            buffer = GC.AllocateUninitializedArray<T>(length + Slack<T>(), pinned: true);
        return (T*)Unsafe.AsPointer(ref buffer[Start(buffer)]);
    }

    /// <summary>A zeroed pinned array with room for <paramref name="length"/> elements from <paramref name="start"/>, the first on a cache line.</summary>
    public static T[] Allocate<T>(int length, out int start) where T : unmanaged
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        T[] array = GC.AllocateArray<T>(length + Slack<T>(), pinned: true);
        start = Start(array);
        return array;
    }

    // Elements enough to reach a line from anywhere (at least one, so an empty buffer still has an element to point at).
    private static int Slack<T>() where T : unmanaged => Alignment / sizeof(T);

    // Elements before the array's first cache line.
    private static int Start<T>(T[] array) where T : unmanaged
        => (int)((Alignment - (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array)) % Alignment) % Alignment) / sizeof(T);
}
