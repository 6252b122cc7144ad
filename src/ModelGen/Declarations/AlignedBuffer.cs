using ModelGen.Kernels;

namespace ModelGen;

/// <summary>
/// A generated workspace's buffer: a pinned array whose first used element sits on a 64-byte boundary, so that rows of a
/// multiple of 64 bytes (16 floats) start on a cache line and no full-width vector straddles two (<see cref="PinnedScratch"/>
/// says what that costs). Created by generated code only.
/// </summary>
public readonly struct AlignedBuffer<T> where T : unmanaged
{
    private readonly T[]? _array;
    private readonly int _start;

    private AlignedBuffer(T[] array, int start, int length)
    {
        _array = array;
        _start = start;
        Length = length;
    }

    /// <summary>Elements in the buffer.</summary>
    public int Length { get; }

    /// <summary>A buffer of <paramref name="length"/> zeroed elements, the first on a 64-byte boundary.</summary>
    public static AlignedBuffer<T> Allocate(int length)
    {
        T[] array = PinnedScratch.Allocate<T>(length, out int start);
        return new AlignedBuffer<T>(array, start, length);
    }

    /// <summary>The whole buffer.</summary>
    public Span<T> Span => _array is null ? default : new Span<T>(_array, _start, Length);

    /// <summary>Elements [<paramref name="start"/>, <paramref name="start"/> + <paramref name="length"/>); out of the buffer throws as a span would.</summary>
    public Span<T> Slice(int start, int length) => Span.Slice(start, length);
}
